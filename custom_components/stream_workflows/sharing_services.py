"""The template and sharing actions: `create_from_template`, `save_as_template`, `export`
and `import`.

The work is done by the pure `sharing` package (also used by the command line); here are the
schemas, the coordinator's data (`get_coordinator(hass)`: workflows, sources, stored
documents, secrets, registry) and the URL import (bounded in size and time, GitHub file and
gist links rewritten to their raw content as Home Assistant's blueprint importer does).
Blocking work (reading the shipped templates, inflating, validating) runs in the executor.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp
import voluptuous as vol
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    CONF_VARIABLES,
    DOMAIN,
    SERVICE_CREATE_FROM_TEMPLATE,
    SERVICE_EXPORT,
    SERVICE_IMPORT,
    SERVICE_SAVE_AS_TEMPLATE,
)
from .engine.errors import Problem
from .runtime import get_coordinator
from .sharing import api
from .sharing.preview import apply_import, preview
from .sharing.share import (
    MAX_DOCUMENT_BYTES,
    MAX_SHARE_CHARS,
    as_share_document,
    check_share,
    encode_share,
    read_share_text,
    share_document,
    to_yaml,
)
from .sharing.templates import instantiate, load_bundled
from .sharing_here import async_here, here_of, known_secrets
from .sharing_store import async_get_template_store

FETCH_TIMEOUT = 15.0
MAX_FETCH_BYTES = MAX_SHARE_CHARS
GITHUB_FILE = re.compile(r"^https://github\.com/(?P<repo>[^/]+/[^/]+)/blob/(?P<path>.+)$")
GIST = re.compile(r"^https://gist\.github\.com/(?:[^/]+/)?(?P<id>[0-9a-f]{8,64})/?$")

CREATE_SCHEMA = vol.Schema(
    {
        vol.Required("template"): vol.Any(cv.string, dict),
        vol.Optional("inputs", default=dict): dict,
        vol.Optional("workflow_id"): cv.string,
    }
)
INPUT_CHOICE = vol.Any(
    cv.string,
    vol.Schema(
        {
            vol.Required("name"): cv.string,
            vol.Optional("label"): cv.string,
            vol.Optional("selector"): dict,
        }
    ),
)
SAVE_TEMPLATE_SCHEMA = vol.Schema(
    {
        vol.Required("workflow_id"): cv.string,
        vol.Required("name"): vol.All(cv.string, vol.Length(min=1, max=200)),
        vol.Optional("description", default=""): vol.All(cv.string, vol.Length(max=4000)),
        vol.Required("inputs"): vol.All({cv.string: INPUT_CHOICE}, vol.Length(max=100)),
    }
)
EXPORT_SCHEMA = vol.Schema(
    {
        vol.Required("workflow_id"): vol.Any(cv.string, [cv.string]),
        vol.Optional("name", default=""): cv.string,
        vol.Optional("author", default=""): cv.string,
        vol.Optional("description", default=""): cv.string,
    }
)
# compiled once (a bare `vol.All` compiles its parts at every call)
IMPORT_SCHEMA = vol.Schema(
    vol.All(
        vol.Schema(
            {
                vol.Exclusive("share", "source"): cv.string,
                vol.Exclusive("yaml", "source"): cv.string,
                vol.Exclusive("url", "source"): cv.url,
                vol.Optional("preview", default=False): cv.boolean,
                vol.Optional("choices", default=dict): {cv.string: vol.In(["copy", "replace"])},
                vol.Optional("new_ids", default=dict): {cv.string: cv.string},
                vol.Optional("remap", default=dict): {cv.string: {cv.string: cv.string}},
            }
        ),
        cv.has_at_least_one_key("share", "yaml", "url"),
    )
)


def raw_url(url: str, *, raw_base: str = "https://raw.githubusercontent.com") -> str:
    """A GitHub file page as its raw content's address; other addresses unchanged."""
    if (match := GITHUB_FILE.match(url)) is not None:
        return f"{raw_base}/{match.group('repo')}/{match.group('path')}"
    return url


def _invalid(problems: list[Problem], what: str = "import") -> ServiceValidationError:
    errors = [p for p in problems if p.severity == "error"] or problems
    text = "; ".join(p.format() for p in errors[:20])
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="sharing_invalid",
        translation_placeholders={"what": what, "errors": text},
    )


async def fetch_text(
    hass: HomeAssistant, url: str, *, gist_api: str = "https://api.github.com/gists"
) -> str:
    """The text at `url` (a gist: its first .yaml/.yml/.json/.txt file), bounded."""
    session = async_get_clientsession(hass)
    if (gist := GIST.match(url)) is not None:
        return _gist_file(await _get(session, f"{gist_api}/{gist.group('id')}"))
    return await _get(session, raw_url(url))


def _gist_file(data: str) -> str:
    try:
        gist = json.loads(data)
        for name, info in gist["files"].items():
            if str(name).endswith((".yaml", ".yml", ".json", ".txt")):
                return str(info["content"])[:MAX_DOCUMENT_BYTES]
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    raise _invalid([Problem("url", "the gist has no .yaml, .json or .txt file to import")])


async def _get(session: aiohttp.ClientSession, url: str) -> str:
    try:
        async with asyncio.timeout(FETCH_TIMEOUT), session.get(url) as response:
            if response.status != 200:
                raise _invalid([Problem("url", f"the address answered HTTP {response.status}")])
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(65536):
                size += len(chunk)
                if size > MAX_FETCH_BYTES:
                    break  # nothing more is read: a body without end cannot fill memory
                chunks.append(chunk)
    except (aiohttp.ClientError, TimeoutError, ValueError) as err:
        raise _invalid([Problem("url", f"could not fetch it: {type(err).__name__} {err}")]) from err
    if size > MAX_FETCH_BYTES:
        raise _invalid([Problem("url", f"larger than {MAX_FETCH_BYTES} bytes")])
    return b"".join(chunks).decode("utf-8", "replace")


async def async_save_as_template(
    hass: HomeAssistant,
    workflow_id: str,
    inputs: dict[str, Any],
    *,
    name: str,
    description: str = "",
) -> dict[str, Any]:
    """Make a template of a workflow and keep it with the user's: `{"template_id",
    "template"}` (its summary); ServiceValidationError with the located problems."""
    coordinator = get_coordinator(hass)
    definition = coordinator.definition(workflow_id)
    document = {**dict(definition.raw), "id": definition.id}
    store = await async_get_template_store(hass)
    bundled, _ = await hass.async_add_executor_job(load_bundled)
    template_id = store.free_id(name, set(bundled))
    made = await hass.async_add_executor_job(
        lambda: api.save_as_template(
            document, inputs, name=name, description=description, template_id=template_id
        )
    )
    if "problems" in made:
        problems = [Problem(p["path"], p["message"], p["severity"]) for p in made["problems"]]
        raise _invalid(problems, "template")
    try:
        await store.async_add(template_id, made["template"])
    except ValueError as err:
        raise _invalid([Problem("", str(err))], "template") from err
    return {"template_id": template_id, "template": made["summary"], "yaml": made["yaml"]}


def async_register_sharing_services(hass: HomeAssistant) -> None:
    """Register the four actions (called from `async_setup`)."""

    async def create_from_template(call: ServiceCall) -> ServiceResponse:
        coordinator = get_coordinator(hass)
        wanted = call.data["template"]
        saved = (await async_get_template_store(hass)).templates
        template, problems = await hass.async_add_executor_job(api.find_template, wanted, saved)
        if template is None:
            raise _invalid(problems, "template")
        document, problems = instantiate(
            template, call.data["inputs"], workflow_id=call.data.get("workflow_id")
        )
        if document is None:
            raise _invalid(problems, "template")
        workflow_id = await coordinator.async_save_workflow(document)
        return {"workflow_id": workflow_id}

    async def save_as_template(call: ServiceCall) -> ServiceResponse:
        made = await async_save_as_template(
            hass,
            call.data["workflow_id"],
            call.data["inputs"],
            name=call.data["name"],
            description=call.data["description"],
        )
        return {"template_id": made["template_id"], "yaml": made["yaml"]}

    async def export(call: ServiceCall) -> ServiceResponse:
        coordinator = get_coordinator(hass)
        named = call.data["workflow_id"]
        ids = [named] if isinstance(named, str) else named
        documents = []
        for workflow_id in ids:
            definition = coordinator.definition(workflow_id)
            documents.append({**dict(definition.raw), "id": definition.id})
        known = known_secrets(
            hass, coordinator.entry.options.get(CONF_VARIABLES, {}), coordinator.secrets.marked
        )
        document, _ = share_document(
            documents,
            name=call.data["name"],
            author=call.data["author"],
            description=call.data["description"],
            known_secrets=known,
        )
        return {"share": encode_share(document), "yaml": to_yaml(document)}

    async def import_(call: ServiceCall) -> ServiceResponse:
        coordinator = get_coordinator(hass)
        if "url" in call.data:
            text = await fetch_text(hass, call.data["url"])
        else:
            text = call.data.get("share") or call.data["yaml"]

        def check() -> Any:
            document, problems = read_share_text(text)
            if document is None:
                return None, problems
            document, problems = as_share_document(document)
            if document is None:
                return None, problems
            return check_share(document, coordinator.registry)

        shared, problems = await hass.async_add_executor_job(check)
        if shared is None:
            raise _invalid(problems)
        if call.data["preview"]:
            return {"preview": preview(shared, await async_here(hass))}
        here = here_of(hass)  # importing needs no OBS scenes: it does not wait for OBS
        if shared.template is not None:
            raise _invalid([Problem("", "this is a template: use create_from_template")])
        documents, problems = apply_import(
            shared,
            here,
            choices=call.data["choices"],
            new_ids=call.data["new_ids"],
            remap=call.data["remap"],
        )
        if problems:
            raise _invalid(problems)
        saved = [await coordinator.async_save_workflow(document) for document in documents]
        return {"workflow_ids": list[Any](saved)}

    for name, handler, schema in (
        (SERVICE_CREATE_FROM_TEMPLATE, create_from_template, CREATE_SCHEMA),
        (SERVICE_SAVE_AS_TEMPLATE, save_as_template, SAVE_TEMPLATE_SCHEMA),
        (SERVICE_EXPORT, export, EXPORT_SCHEMA),
        (SERVICE_IMPORT, import_, IMPORT_SCHEMA),
    ):
        hass.services.async_register(
            DOMAIN, name, handler, schema=schema, supports_response=SupportsResponse.OPTIONAL
        )
