"""A real OBS Studio, headless: config generation and process control (one source).

Used by the pytest fixtures (`tests/adapters/obs_fixture.py`), `scripts/develop`,
`bench/obs_latency.py` and `scripts/obs-headless`
(`python -m local_peers.obs_headless start|stop|status`).
Facts behind it: `/work/shared/recipes/real-obs-headless.md` (OBS 29.0.2, obs-websocket 5.1.0).

Each start writes a fresh throwaway HOME (OBS autosaves into its config while running):
four scenes ("Starting Soon", "Main", "BRB", "Raid Screen"), a text source "Title" and a
media source "Music" (it has audio, so it can be muted) in "Main", a simple-output profile
that records mkv into `<dir>/recordings` with the replay buffer enabled, and a custom RTMP
service (`rtmp://127.0.0.1:<port>/live`, key `test`) for the local nginx-rtmp server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SCENES = ("Starting Soon", "Main", "BRB", "Raid Screen")
TEXT_SOURCE = "Title"
AUDIO_SOURCE = "Music"
ITEM_SCENE = "Main"
DEFAULT_PASSWORD = "stream-workflows-test"
OBS_LAST_VERSION = 486539266  # 29.0.2: no first-run wizard, no "what's new"
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def missing_tools() -> list[str]:
    """What is needed to run OBS headless and is not installed (empty when all is there)."""
    return [tool for tool in ("obs", "Xvfb") if shutil.which(tool) is None]


def missing_rtmp_tools() -> list[str]:
    """What the local RTMP server needs and is not installed."""
    missing = [] if _nginx() else ["nginx"]
    if not RTMP_MODULE.exists():
        missing.append("libnginx-mod-rtmp")
    return missing


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


# -- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObsSettings:
    """What a headless OBS is configured with."""

    home: Path
    port: int
    password: str = DEFAULT_PASSWORD
    record_dir: Path | None = None
    stream_server: str = "rtmp://127.0.0.1:1935/live"
    stream_key: str = "test"
    scenes: tuple[str, ...] = SCENES

    @property
    def recordings(self) -> Path:
        return self.record_dir or self.home / "recordings"


def _uuid() -> str:
    return str(uuid.uuid4())


def scene_collection(scenes: tuple[str, ...] = SCENES) -> dict[str, object]:
    """The scene collection (`basic/scenes/Test.json`)."""
    text_uuid, audio_uuid = _uuid(), _uuid()
    sources: list[dict[str, object]] = [
        {
            "id": "text_ft2_source",
            "versioned_id": "text_ft2_source_v2",
            "name": TEXT_SOURCE,
            "uuid": text_uuid,
            "settings": {"text": "Stream Workflows", "font": {"face": "Sans", "size": 32}},
            "enabled": True,
            "muted": False,
        },
        {
            "id": "ffmpeg_source",
            "versioned_id": "ffmpeg_source",
            "name": AUDIO_SOURCE,
            "uuid": audio_uuid,
            "settings": {"is_local_file": True, "local_file": "", "looping": False},
            "enabled": True,
            "muted": False,
        },
    ]
    for scene in scenes:
        items: list[dict[str, object]] = []
        if scene == ITEM_SCENE:
            for item_id, (name, source_uuid) in enumerate(
                ((TEXT_SOURCE, text_uuid), (AUDIO_SOURCE, audio_uuid)), start=1
            ):
                items.append(
                    {
                        "name": name,
                        "source_uuid": source_uuid,
                        "visible": True,
                        "locked": False,
                        "id": item_id,
                        "pos": {"x": 10.0, "y": 10.0},
                        "scale": {"x": 1.0, "y": 1.0},
                        "align": 5,
                        "bounds_type": 0,
                    }
                )
        sources.append(
            {
                "id": "scene",
                "versioned_id": "scene",
                "name": scene,
                "uuid": _uuid(),
                "settings": {"items": items, "id_counter": len(items), "custom_size": False},
                "enabled": True,
            }
        )
    return {
        "name": "Test",
        "sources": sources,
        "scene_order": [{"name": scene} for scene in scenes],
        "current_scene": scenes[0],
        "current_program_scene": scenes[0],
        "current_transition": "Cut",
        "transition_duration": 300,
        "transitions": [],
        "groups": [],
        "quick_transitions": [],
        "modules": {},
        "preview_locked": False,
        "scaling_enabled": False,
    }


def write_config(settings: ObsSettings) -> None:
    """Write OBS's whole configuration into `settings.home` (replacing what was there)."""
    base = settings.home / ".config" / "obs-studio"
    if base.exists():
        shutil.rmtree(base)
    profile = base / "basic" / "profiles" / "Test"
    scenes_dir = base / "basic" / "scenes"
    profile.mkdir(parents=True)
    scenes_dir.mkdir(parents=True)
    settings.recordings.mkdir(parents=True, exist_ok=True)
    auth = "true" if settings.password else "false"
    (base / "global.ini").write_text(
        "\n".join(
            [
                "[General]",
                "FirstRun=true",
                f"LastVersion={OBS_LAST_VERSION}",
                "EnableAutoUpdates=false",
                "ConfirmOnExit=false",
                "WarnBeforeStartingStream=false",
                "WarnBeforeStoppingStream=false",
                "WarnBeforeStoppingRecord=false",
                "[Basic]",
                "Profile=Test",
                "ProfileDir=Test",
                "SceneCollection=Test",
                "SceneCollectionFile=Test",
                "[BasicWindow]",
                "SysTrayEnabled=false",
                "[OBSWebSocket]",
                "FirstLoad=false",
                "ServerEnabled=true",
                f"ServerPort={settings.port}",
                "AlertsEnabled=false",
                f"AuthRequired={auth}",
                f"ServerPassword={settings.password}",
                "",
            ]
        )
    )
    (profile / "basic.ini").write_text(
        "\n".join(
            [
                "[General]",
                "Name=Test",
                "[Video]",
                "BaseCX=640",
                "BaseCY=360",
                "OutputCX=640",
                "OutputCY=360",
                "FPSType=0",
                "FPSCommon=30",
                "[Output]",
                "Mode=Simple",
                "[SimpleOutput]",
                f"FilePath={settings.recordings}",
                "RecFormat=mkv",
                "StreamEncoder=x264",
                "RecEncoder=x264",
                "RecQuality=Small",
                "Preset=ultrafast",
                "VBitrate=500",
                "ABitrate=64",
                "RecRB=true",
                "RecRBTime=10",
                "RecRBSize=64",
                "FileNameWithoutSpace=true",
                "[Audio]",
                "SampleRate=48000",
                "ChannelSetup=Stereo",
                "",
            ]
        )
    )
    (profile / "service.json").write_text(
        json.dumps(
            {
                "type": "rtmp_custom",
                "settings": {"server": settings.stream_server, "key": settings.stream_key},
            }
        )
    )
    (scenes_dir / "Test.json").write_text(json.dumps(scene_collection(settings.scenes)))


# -- processes -------------------------------------------------------------------------------


def _tied(command: list[str], die_with_parent: bool) -> list[str]:
    """`command`, made to get SIGTERM when the process that starts it dies (Linux `setpriv
    --pdeathsig`), so a killed test run or bench leaves no OBS behind. The command line
    (`start`, then exit) does not use it. No `preexec_fn`: tests start OBS with threads about."""
    setpriv = shutil.which("setpriv")
    if not die_with_parent or setpriv is None:
        return command
    return [setpriv, "--pdeathsig", "TERM", "--", *command]


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """Signal the process and its children (each process here leads its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _stop_process(process: subprocess.Popen[bytes] | None, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; children (obs-ffmpeg-mux) included."""
    if process is None:
        return
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    _signal_group(process, signal.SIGKILL)
    process.wait()


class Xvfb:
    """A virtual X display on a free display number (`-displayfd`: no guessing, no race)."""

    def __init__(self, die_with_parent: bool = True) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.display = ""
        self.die_with_parent = die_with_parent

    def start(self, timeout: float = 15.0) -> str:
        read_fd, write_fd = os.pipe()
        try:
            self.process = subprocess.Popen(
                _tied(
                    [
                        "Xvfb",
                        "-displayfd",
                        str(write_fd),
                        "-screen",
                        "0",
                        "1280x720x24",
                        "-nolisten",
                        "tcp",
                    ],
                    self.die_with_parent,
                ),
                pass_fds=(write_fd,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            os.close(write_fd)
        try:
            number = b""
            deadline = time.monotonic() + timeout
            with os.fdopen(read_fd, "rb", buffering=0) as reader:
                while not number.endswith(b"\n") and time.monotonic() < deadline:
                    chunk = reader.read(16)
                    if not chunk:
                        break
                    number += chunk
            if not number.strip():
                raise RuntimeError("Xvfb did not report a display number")
            self.display = f":{int(number.strip())}"
            return self.display
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        _stop_process(self.process)
        self.process = None


@dataclass
class HeadlessObs:
    """One OBS Studio process under its own Xvfb, configured from scratch at every start."""

    root: Path
    port: int = 0
    password: str = DEFAULT_PASSWORD
    stream_server: str = "rtmp://127.0.0.1:1935/live"
    stream_key: str = "test"
    process: subprocess.Popen[bytes] | None = None
    die_with_parent: bool = True
    xvfb: Xvfb = field(default_factory=Xvfb)

    def __post_init__(self) -> None:
        if not self.port:
            self.port = free_port()
        self.xvfb.die_with_parent = self.die_with_parent

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def recordings(self) -> Path:
        return self.root / "recordings"

    @property
    def log_file(self) -> Path:
        return self.root / "obs.log"

    @property
    def settings(self) -> ObsSettings:
        return ObsSettings(
            home=self.home,
            port=self.port,
            password=self.password,
            record_dir=self.recordings,
            stream_server=self.stream_server,
            stream_key=self.stream_key,
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        """Write a fresh config, start Xvfb (once) and OBS, wait for the websocket port."""
        if self.running:
            return
        write_config(self.settings)
        if self.xvfb.process is None or self.xvfb.process.poll() is not None:
            self.xvfb.start()
        env = {
            **os.environ,
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "DISPLAY": self.xvfb.display,
            "LIBGL_ALWAYS_SOFTWARE": "1",
            "QT_QPA_PLATFORM": "xcb",
        }
        env.pop("WAYLAND_DISPLAY", None)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                _tied(
                    [
                        "obs",
                        "--multi",
                        "--disable-missing-files-check",
                        "--collection",
                        "Test",
                        "--profile",
                        "Test",
                        "--scene",
                        SCENES[0],
                    ],
                    self.die_with_parent,
                ),
                env=env,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"OBS exited with {self.process.returncode} before opening port "
                    f"{self.port}:\n{self.log_tail()}"
                )
            if port_open(self.port):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"OBS did not open port {self.port} within {timeout:g} s:\n{self.log_tail()}"
        )

    def kill(self) -> None:
        """SIGKILL OBS (a crash); Xvfb keeps running so `start()` brings OBS back quickly."""
        if self.process is not None:
            _signal_group(self.process, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop_obs(self) -> None:
        """Stop OBS (SIGTERM, then SIGKILL); Xvfb keeps running."""
        _stop_process(self.process)
        self.process = None

    def stop(self) -> None:
        """Stop OBS and Xvfb."""
        self.stop_obs()
        self.xvfb.stop()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return "(no OBS log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class RtmpServer:
    """A local RTMP server: Debian's nginx with libnginx-mod-rtmp, on a free port."""

    root: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    die_with_parent: bool = True

    def __post_init__(self) -> None:
        if not self.port:
            self.port = free_port()

    @property
    def url(self) -> str:
        return f"rtmp://127.0.0.1:{self.port}/live"

    def start(self, timeout: float = 10.0) -> None:
        nginx = _nginx()
        if nginx is None:
            raise RuntimeError("nginx is not installed")
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nginx.conf"
        conf.write_text(
            "\n".join(
                [
                    f"load_module {RTMP_MODULE};",
                    "daemon off;",
                    "master_process off;",
                    "worker_processes 1;",
                    f"pid {self.root / 'nginx.pid'};",
                    f"error_log {self.root / 'error.log'} info;",
                    "events { worker_connections 64; }",
                    "rtmp {",
                    "  server {",
                    f"    listen 127.0.0.1:{self.port};",
                    "    application live { live on; record off; }",
                    "  }",
                    "}",
                    "",
                ]
            )
        )
        self.process = subprocess.Popen(
            _tied(
                [nginx, "-p", str(self.root), "-e", str(self.root / "error.log"), "-c", str(conf)],
                self.die_with_parent,
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.root / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx exited with {self.process.returncode}:\n{log}")
            if port_open(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.port} within {timeout:g} s")

    def stop(self) -> None:
        _stop_process(self.process)
        self.process = None


# -- command line (scripts/obs-headless) -----------------------------------------------------

STATE_FILE = "obs-headless.json"


def _state_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    runtime = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(runtime) / f"stream-workflows-obs-{os.getuid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _cli_start(args: argparse.Namespace) -> int:
    root = _state_dir(args.dir)
    state_path = root / STATE_FILE
    if state_path.exists():
        previous = json.loads(state_path.read_text())
        if _alive(previous["obs_pid"]):
            print(f"already running: {_describe(previous)}")
            return 0
        _cli_stop(args)
    root.mkdir(parents=True, exist_ok=True)
    state: dict[str, object] = {}
    rtmp: RtmpServer | None = None
    if not args.no_rtmp and not missing_rtmp_tools():
        rtmp = RtmpServer(root / "rtmp", port=args.rtmp_port or 0, die_with_parent=False)
        rtmp.start()
        assert rtmp.process is not None
        state.update(rtmp_pid=rtmp.process.pid, rtmp_url=rtmp.url)
    obs = HeadlessObs(
        root,
        die_with_parent=False,
        port=args.port,
        password=args.password,
        stream_server=rtmp.url if rtmp else "rtmp://127.0.0.1:1935/live",
    )
    try:
        obs.start()
    except Exception:
        if rtmp:
            rtmp.stop()
        raise
    assert obs.process is not None
    assert obs.xvfb.process is not None
    state.update(
        obs_pid=obs.process.pid,
        xvfb_pid=obs.xvfb.process.pid,
        display=obs.xvfb.display,
        host="127.0.0.1",
        port=obs.port,
        password=obs.password,
        recordings=str(obs.recordings),
        log=str(obs.log_file),
    )
    state_path.write_text(json.dumps(state, indent=2))
    print(f"started: {_describe(state)}")
    return 0


def _describe(state: dict[str, object]) -> str:
    return (
        f"OBS websocket ws://{state['host']}:{state['port']} password '{state['password']}' "
        f"(pid {state['obs_pid']}, display {state['display']}), recordings in "
        f"{state['recordings']}, RTMP {state.get('rtmp_url', 'none')}"
    )


def _cli_stop(args: argparse.Namespace) -> int:
    root = _state_dir(args.dir)
    state_path = root / STATE_FILE
    if not state_path.exists():
        print("not running")
        return 0
    state = json.loads(state_path.read_text())
    pids = [state.get(key) for key in ("obs_pid", "rtmp_pid", "xvfb_pid")]
    running = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    # All at once: each takes a second or two to go, and a stop should not add them up.
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in running) and time.monotonic() < deadline:
        for pid in running:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    for pid in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    state_path.unlink()
    print("stopped")
    return 0


def _cli_status(args: argparse.Namespace) -> int:
    state_path = _state_dir(args.dir) / STATE_FILE
    if state_path.exists():
        state = json.loads(state_path.read_text())
        if _alive(state["obs_pid"]):
            print(f"running: {_describe(state)}")
            return 0
    print("not running")
    return 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="obs-headless", description="Start or stop a headless OBS Studio for development."
    )
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--dir", help="state and config folder (default: a per-user temp dir)")
    parser.add_argument("--port", type=int, default=4455, help="websocket port (default 4455)")
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="websocket password")
    parser.add_argument("--rtmp-port", type=int, default=0, help="local RTMP port (default free)")
    parser.add_argument("--no-rtmp", action="store_true", help="do not start the RTMP server")
    args = parser.parse_args(argv)
    if args.command == "start":
        missing = missing_tools()
        if missing:
            print(
                f"error: {', '.join(missing)} not installed (apt-get install obs-studio xvfb "
                "libgl1-mesa-dri xauth nginx libnginx-mod-rtmp)",
                file=sys.stderr,
            )
            return 1
        return _cli_start(args)
    if args.command == "stop":
        return _cli_stop(args)
    return _cli_status(args)


if __name__ == "__main__":
    sys.exit(main())
