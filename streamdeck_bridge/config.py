"""deck.yaml: the bridge's configuration, validated with voluptuous, every error located.

A problem is reported as `PATH: message`, PATH saying where in the file it is, e.g.
`pages[1].keys[4].workflow: expected a workflow id such as raid_workflow`. All problems are
reported at once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import voluptuous as vol
import yaml  # type: ignore[import-untyped]

WORKFLOW_PRESS = ("run", "toggle", "pause", "resume", "cancel", "none")
ID_RE = re.compile(r"^[a-z0-9_]+$")
ENTITY_RE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")
ACTION_RE = ENTITY_RE
DEFAULT_TOKEN_ENV = "STREAMDECK_BRIDGE_TOKEN"
DEFAULT_SHOW_RESULT_FOR = 60.0


class ConfigError(Exception):
    """deck.yaml is unreadable or invalid; `problems` holds one `PATH: message` per problem."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


def _matching(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise vol.Invalid(f"expected {what}, got {value!r}")
        return value

    return check


WORKFLOW_ID = _matching(ID_RE, "a workflow id such as raid_workflow")
ENTITY_ID = _matching(ENTITY_RE, "an entity id such as light.desk")
ACTION_NAME = _matching(ACTION_RE, "a Home Assistant action such as light.toggle")
PAGE_NAME = vol.All(str, vol.Length(min=1))
COLOUR = vol.Match(r"^#[0-9a-fA-F]{6}$", msg="expected a colour such as #1e90ff")
SECONDS = vol.All(vol.Coerce(float), vol.Range(min=0))

COMMON_KEY: dict[Any, Any] = {
    vol.Optional("key"): vol.All(int, vol.Range(min=0)),
    vol.Optional("label"): str,
    vol.Optional("icon"): str,
    vol.Optional("colour"): COLOUR,
}
WORKFLOW_KEY = vol.Schema(
    COMMON_KEY
    | {
        vol.Required("workflow"): WORKFLOW_ID,
        vol.Optional("press", default="toggle"): vol.In(WORKFLOW_PRESS),
        vol.Optional("long_press", default="cancel"): vol.In(WORKFLOW_PRESS),
        vol.Optional("variables", default=dict): dict,
        vol.Optional("show_result_for"): SECONDS,
    }
)
ACTION_KEY = vol.Schema(
    COMMON_KEY
    | {
        vol.Required("action"): ACTION_NAME,
        vol.Optional("data", default=dict): dict,
        vol.Optional("target", default=dict): dict,
        vol.Optional("entity"): ENTITY_ID,
    }
)
ENTITY_KEY = vol.Schema(
    COMMON_KEY
    | {
        vol.Required("entity"): ENTITY_ID,
        vol.Optional("press", default="toggle"): vol.In(("toggle", "none")),
    }
)
PAGE_KEY = vol.Schema({vol.Required("page"): PAGE_NAME} | COMMON_KEY)
BACK_KEY = vol.Schema({vol.Required("back"): True} | COMMON_KEY)

DIAL = vol.Schema(
    {
        vol.Optional("dial"): vol.All(int, vol.Range(min=0)),
        vol.Optional("label"): str,
        vol.Optional("workflow"): WORKFLOW_ID,
        vol.Optional("entity"): ENTITY_ID,
        vol.Optional("step", default=10): vol.All(vol.Coerce(float), vol.Range(min=0)),
    }
)
KEY_KINDS: tuple[tuple[str, vol.Schema], ...] = (
    ("workflow", WORKFLOW_KEY),
    ("action", ACTION_KEY),
    ("page", PAGE_KEY),
    ("back", BACK_KEY),
    ("entity", ENTITY_KEY),
)
PAGE = vol.Schema(
    {
        vol.Required("name"): PAGE_NAME,
        vol.Optional("keys", default=list): list,
        vol.Optional("dials", default=list): list,
    }
)
DECK = vol.Schema(
    {
        vol.Optional("serial"): vol.Any(str, int),
        vol.Optional("name"): str,
        vol.Optional("brightness"): vol.All(int, vol.Range(min=0, max=100)),
        vol.Optional("sleep_after"): SECONDS,
        vol.Optional("show_result_for"): SECONDS,
        vol.Optional("pages"): list,
    }
)
HOME_ASSISTANT = vol.Schema(
    {
        vol.Optional("url", default="http://homeassistant.local:8123"): vol.Match(
            r"^(https?|wss?)://", msg="expected a URL such as http://homeassistant.local:8123"
        ),
        vol.Optional("token_env", default=DEFAULT_TOKEN_ENV): str,
        vol.Optional("token_file"): str,
        vol.Optional("verify_ssl", default=True): bool,
        vol.Optional("heartbeat", default=20.0): vol.All(vol.Coerce(float), vol.Range(min=0.1)),
    }
)
TOP = vol.Schema(
    {
        vol.Optional("home_assistant", default=dict): dict,
        vol.Optional("brightness", default=60): vol.All(int, vol.Range(min=0, max=100)),
        vol.Optional("sleep_after", default=0): SECONDS,
        # How long a finished run's look stays on its key before the key looks idle again
        # (0: until the next run).
        vol.Optional("show_result_for", default=DEFAULT_SHOW_RESULT_FOR): SECONDS,
        vol.Optional("hold_time", default=0.6): vol.All(vol.Coerce(float), vol.Range(min=0.1)),
        vol.Optional("pages"): list,
        vol.Optional("decks", default=list): list,
    }
)


# -- models ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class KeyConfig:
    """One key. `kind` is workflow, action, entity, page or back."""

    kind: str
    index: int
    label: str | None = None
    icon: str | None = None
    colour: str | None = None
    workflow: str | None = None
    press: str = "toggle"
    long_press: str = "none"
    variables: dict[str, Any] = field(default_factory=dict)
    show_result_for: float | None = None  # None: the deck's
    action: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    entity: str | None = None
    page: str | None = None


@dataclass(frozen=True, kw_only=True)
class DialConfig:
    """One Stream Deck + dial (and its part of the touch strip)."""

    index: int
    label: str | None = None
    workflow: str | None = None
    entity: str | None = None
    step: float = 10.0


@dataclass(frozen=True, kw_only=True)
class PageConfig:
    name: str
    keys: dict[int, KeyConfig]
    dials: dict[int, DialConfig]


@dataclass(frozen=True, kw_only=True)
class DeckConfig:
    """A deck's layout; `serial` None is the layout for decks not named elsewhere."""

    serial: str | None
    name: str | None
    brightness: int
    sleep_after: float
    pages: tuple[PageConfig, ...]
    show_result_for: float = DEFAULT_SHOW_RESULT_FOR

    @property
    def home(self) -> str:
        return self.pages[0].name


@dataclass(frozen=True, kw_only=True)
class HomeAssistantConfig:
    url: str
    token_env: str
    token_file: str | None
    verify_ssl: bool
    heartbeat: float

    @property
    def websocket_url(self) -> str:
        url = self.url.rstrip("/")
        if url.startswith("http"):
            url = "ws" + url[4:]
        return url if url.endswith("/api/websocket") else url + "/api/websocket"

    def read_token(self) -> str:
        """The long-lived access token, from the file if one is named, else the variable."""
        if self.token_file:
            try:
                token = Path(self.token_file).expanduser().read_text().strip()
            except OSError as err:
                raise ConfigError("token", [f"token_file: cannot read: {err}"]) from err
            if not token:
                raise ConfigError("token", [f"token_file: {self.token_file} is empty"])
            return token
        token = os.environ.get(self.token_env, "").strip()
        if not token:
            raise ConfigError(
                "token",
                [
                    f"home_assistant: no token: set the environment variable "
                    f"{self.token_env} or name a token_file"
                ],
            )
        return token


@dataclass(frozen=True, kw_only=True)
class BridgeConfig:
    home_assistant: HomeAssistantConfig
    hold_time: float
    decks: tuple[DeckConfig, ...]

    def deck_for(self, serial: str) -> DeckConfig:
        """The layout for a deck: the one naming its serial, else the default one."""
        for deck in self.decks:
            if deck.serial == serial:
                return deck
        for deck in self.decks:
            if deck.serial is None:
                return deck
        return self.decks[0]

    def workflows(self) -> set[str]:
        found: set[str] = set()
        for deck in self.decks:
            for page in deck.pages:
                found.update(k.workflow for k in page.keys.values() if k.workflow)
                found.update(d.workflow for d in page.dials.values() if d.workflow)
        return found


# -- validation -----------------------------------------------------------------------------


def _path(prefix: str, err: vol.Invalid) -> str:
    path = prefix
    for part in err.path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, schema: vol.Schema, value: Any, where: str) -> Any:
        try:
            return schema(value)
        except vol.MultipleInvalid as errs:
            for err in errs.errors:
                self.problems.append(f"{_path(where, err)}: {_message(err)}")
        except vol.Invalid as err:
            self.problems.append(f"{_path(where, err)}: {_message(err)}")
        return None

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")


def _message(err: vol.Invalid) -> str:
    msg = err.error_message
    if msg == "extra keys not allowed":
        return "unknown option"
    if msg == "required key not provided":
        return "required option is missing"
    return msg


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _key(
    c: _Checker, raw: Any, where: str, default_index: int, long_press: str
) -> KeyConfig | None:
    if not isinstance(raw, dict):
        c.problem(where, "expected a mapping with one of: workflow, action, entity, page, back")
        return None
    kinds = [kind for kind, _ in KEY_KINDS if kind in raw]
    # An action key may name an entity whose state it shows: it is still an action key.
    if "action" in kinds and "entity" in kinds:
        kinds.remove("entity")
    if len(kinds) != 1:
        c.problem(
            where,
            "a key needs exactly one of: workflow, action, entity, page, back"
            + (f" (found {', '.join(kinds)})" if kinds else ""),
        )
        return None
    kind = kinds[0]
    schema = dict(KEY_KINDS)[kind]
    data = c.check(schema, raw, where)
    if data is None:
        return None
    index = data.pop("key", default_index)
    if kind == "back":
        data.pop("back")
    return KeyConfig(kind=kind, index=index, **data)


def _pages(c: _Checker, raw: Any, where: str, long_press: str) -> tuple[PageConfig, ...]:
    if not isinstance(raw, list) or not raw:
        c.problem(where, "expected a list of at least one page")
        return ()
    pages: list[PageConfig] = []
    for p, raw_page in enumerate(raw):
        pwhere = f"{where}[{p}]"
        page = c.check(PAGE, raw_page, pwhere)
        if page is None:
            continue
        keys: dict[int, KeyConfig] = {}
        for k, raw_key in enumerate(page["keys"]):
            kwhere = f"{pwhere}.keys[{k}]"
            if raw_key is None:
                continue  # a blank key
            key = _key(c, raw_key, kwhere, k, long_press)
            if key is None:
                continue
            if key.index in keys:
                c.problem(kwhere, f"key {key.index} is already used on this page")
            keys[key.index] = key
        dials: dict[int, DialConfig] = {}
        for d, raw_dial in enumerate(page["dials"]):
            dwhere = f"{pwhere}.dials[{d}]"
            dial = c.check(DIAL, raw_dial, dwhere)
            if dial is None:
                continue
            if ("workflow" in dial) == ("entity" in dial):
                c.problem(dwhere, "a dial needs exactly one of: workflow, entity")
                continue
            index = dial.pop("dial", d)
            dials[index] = DialConfig(index=index, **dial)
        pages.append(PageConfig(name=page["name"], keys=keys, dials=dials))
    names = [pg.name for pg in pages]
    for p, name in enumerate(names):
        if names.index(name) != p:
            c.problem(f"{where}[{p}].name", f"page {name!r} is defined twice")
    for p, pg in enumerate(pages):
        for key in pg.keys.values():
            if key.kind == "page" and key.page not in names:
                c.problem(
                    f"{where}[{p}].keys[{key.index}].page",
                    f"no page named {key.page!r} (pages: {', '.join(names)})",
                )
    return tuple(pages)


def validate(raw: Any, source: str = "deck.yaml") -> BridgeConfig:
    """Validate a parsed deck.yaml; raise ConfigError listing every problem."""
    c = _Checker()
    if not isinstance(raw, dict):
        raise ConfigError(source, ["(top): expected a mapping"])
    try:
        top = TOP(raw)
    except vol.MultipleInvalid as errs:
        # Report these, then carry on without the bad options to find every other problem.
        bad = set()
        for err in errs.errors:
            c.problems.append(f"{_path('', err)}: {_message(err)}")
            if err.path:
                bad.add(err.path[0])
        top = c.check(TOP, {k: v for k, v in raw.items() if k not in bad}, "")
        if top is None:
            raise ConfigError(source, c.problems) from None
    ha = c.check(HOME_ASSISTANT, top["home_assistant"], "home_assistant")
    long_press = "cancel"
    default_pages: tuple[PageConfig, ...] = ()
    if "pages" in top:
        default_pages = _pages(c, top["pages"], "pages", long_press)
    decks: list[DeckConfig] = []
    serials: set[str] = set()
    for d, raw_deck in enumerate(top["decks"]):
        dwhere = f"decks[{d}]"
        deck = c.check(DECK, raw_deck, dwhere)
        if deck is None:
            continue
        serial = str(deck["serial"]) if "serial" in deck else None
        if serial is not None:
            if serial in serials:
                c.problem(f"{dwhere}.serial", f"serial {serial} is configured twice")
            serials.add(serial)
        if "pages" in deck:
            pages = _pages(c, deck["pages"], f"{dwhere}.pages", long_press)
        elif default_pages:
            pages = default_pages
        else:
            c.problem(dwhere, "no pages: give this deck pages, or top-level pages")
            continue
        decks.append(
            DeckConfig(
                serial=serial,
                name=deck.get("name"),
                brightness=deck.get("brightness", top["brightness"]),
                sleep_after=deck.get("sleep_after", top["sleep_after"]),
                show_result_for=deck.get("show_result_for", top["show_result_for"]),
                pages=pages,
            )
        )
    if not any(deck.serial is None for deck in decks):
        if default_pages:
            decks.append(
                DeckConfig(
                    serial=None,
                    name=None,
                    brightness=top["brightness"],
                    sleep_after=top["sleep_after"],
                    show_result_for=top["show_result_for"],
                    pages=default_pages,
                )
            )
        elif not decks and "pages" not in top:
            c.problem("pages", "required: the pages of the default layout (or a decks list)")
    if c.problems or ha is None:
        raise ConfigError(source, c.problems)
    return BridgeConfig(
        home_assistant=HomeAssistantConfig(
            url=ha["url"],
            token_env=ha["token_env"],
            token_file=ha.get("token_file"),
            verify_ssl=ha["verify_ssl"],
            heartbeat=ha["heartbeat"],
        ),
        hold_time=top["hold_time"],
        decks=tuple(decks),
    )


def load(path: str | Path) -> BridgeConfig:
    """Read and validate a deck.yaml file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(source, [f"(file): cannot read: {err.strerror or err}"]) from err
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(source, [f"{where}: invalid YAML: {problem}"]) from err
    return validate(raw, source)
