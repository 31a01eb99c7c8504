"""The `homemind` command. Its options and JSON shapes are a contract: scripts rely on them.

Exit codes: 0 success (for `ask`: done, answered or needs_confirmation), 1 the
request was understood but failed or was refused, or was not understood, 2 a
usage or set-up problem (no home, invalid home file, unknown member).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import math
import os
import re
import socket
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from homemind.app import (
    DEMO_CODE,
    DEMO_PIN,
    STORE_FILE,
    DataDirLock,
    Hub,
    SetupError,
    check_home,
    data_dir,
    init_data_dir,
    settle_memory,
)
from homemind.channels import (
    assistant_cli,
    cli_care,
    cli_device,
    cli_household,
    docs_cli,
    logs,
    outdoors_cli,
)
from homemind.core.homefile import HomeFileError
from homemind.datadir import make_private_dir, write_private
from homemind.policy import AuthError, Policy, PolicyError, is_clean_text
from homemind.policy.rules import POLICY_FILE, default_policy_text
from homemind.store import Store, StoreError

DEFAULT_PORT = 8321
# Commands that keep running (serve and demo settle once their hub is warm: Hub.warm_up).
_LONG_RUNNING = frozenset({"wyoming", "simulate", "nlu", "mcp"})
_OK_STATUSES = {"done", "answered", "needs_confirmation"}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data",
        default=argparse.SUPPRESS,
        help="data dir (default: $HOMEMIND_DATA, else the per-user data dir)",
    )
    parser = argparse.ArgumentParser(prog="homemind", description=__doc__, parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", parents=[common], help="create a home in the data dir")
    init.add_argument("--demo", action="store_true", help="the Lin family's demo flat")
    init.add_argument("--force", action="store_true", help="replace an existing home (resets state)")
    init.add_argument(
        "--broker", metavar="URL", help="reach the devices over this MQTT broker (mqtt://127.0.0.1:1883)"
    )
    init.add_argument("--llm", metavar="URL", help="an OpenAI-compatible endpoint for the model tier")
    init.add_argument("--llm-model", metavar="NAME", help="the endpoint's model (with --llm)")
    init.add_argument("--llm-key-env", metavar="VAR", help="the variable holding the endpoint's key")
    init.add_argument("--llm-cloud", action="store_true", help="allow an endpoint outside the home's network")

    ask = sub.add_parser("ask", parents=[common], help="say something to the hub")
    ask.add_argument("--as", dest="member", help="member id to speak as (default: the owner)")
    ask.add_argument("--lang", choices=["en", "zh"], help="language (default: detected per sentence)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per command")
    ask.add_argument(
        "--conversation-id", help="continue a conversation, e.g. answer a confirmation from an earlier ask"
    )
    ask.add_argument("text", nargs="+", help="what to say; '-' reads one command per line from stdin")

    listen = sub.add_parser("listen", parents=[common], help="hear a spoken command from a WAV file")
    listen.add_argument("wav", type=Path, help="the recording (WAV, 16-bit PCM; 16 kHz mono is best)")
    listen.add_argument("--as", dest="member", help="member id speaking (default: the owner)")
    listen.add_argument("--json", action="store_true", help="print the transcript and result as JSON")
    listen.add_argument("--area", help="the room the microphone is in: the default room for commands")
    listen.add_argument("--reply", type=Path, metavar="OUT.wav", help="write the spoken reply here")
    listen.add_argument(
        "--wake",
        action="store_true",
        help="act only if the recording starts with the wake word (needs voice: wake_word: in the home file)",
    )
    listen.add_argument(
        "--conversation-id", help="continue a conversation, e.g. answer a confirmation from an earlier listen"
    )

    say = sub.add_parser("say", help="speak a text into a WAV file")
    say.add_argument("text", nargs="+")
    say.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.wav")
    say.add_argument("--lang", choices=["en", "zh"], help="language (default: detected)")

    wyoming = sub.add_parser(
        "wyoming", parents=[common], help="serve speech-to-text, text-to-speech and commands over Wyoming"
    )
    wyoming.add_argument("--host", default="127.0.0.1")
    wyoming.add_argument("--port", type=_port, default=10700)

    call = sub.add_parser("call", parents=[common], help="call a service directly, as the owner")
    call.add_argument("service", help="e.g. turn_on, set_temperature, unlock")
    call.add_argument("entity_id", help="e.g. climate.bedroom_ac")
    call.add_argument(
        "service_data",
        nargs="*",
        metavar="KEY=VALUE",
        help="service data, values in YAML syntax (24, true, [255,0,0])",
    )

    member = sub.add_parser("member", help="members: add, list, API tokens, passwords, PINs")
    member_sub = member.add_subparsers(dest="member_command", required=True)
    add = member_sub.add_parser("add", parents=[common], help="add a member (kept in the store)")
    add.add_argument("member_id", type=_member_id)
    add.add_argument("--name", help="display name (default: the id)")
    add.add_argument("--role", required=True, choices=["admin", "adult", "child", "elder", "guest"])
    add.add_argument("--lang", default="en", choices=["en", "zh"])
    listing = member_sub.add_parser("list", parents=[common], help="every member, role and credentials")
    listing.add_argument("--json", action="store_true")
    token = member_sub.add_parser("token", parents=[common], help="issue (or list, revoke) API tokens")
    token.add_argument("member_id", nargs="?", help="the member the new token acts as")
    token.add_argument("--name", default="", help="a label, e.g. 'kitchen tablet'")
    token.add_argument("--list", action="store_true", help="list tokens (of member_id, or all)")
    token.add_argument("--revoke", metavar="TOKEN_ID", help="revoke a token by its id")
    token.add_argument("--read-only", action="store_true", help="the token may read, never change anything")
    token.add_argument(
        "--expires",
        metavar="DAYS",
        type=_bounded(float, 0.001, 3650, "a number of days"),
        help="it ends then",
    )
    for name, what in (("passwd", "web password (8+ characters)"), ("pin", "PIN (4-8 digits)")):
        secret = member_sub.add_parser(name, parents=[common], help=f"set a member's {what}, read from stdin")
        secret.add_argument("member_id")

    cli_device.register(sub, common)

    audit = sub.add_parser("audit", parents=[common], help="the audit log: who did what, when, and why")
    audit.add_argument("--member", help="only this member's entries")
    audit.add_argument("--since", help="only entries at or after this ISO time (2026-11-01)")
    audit.add_argument("--limit", type=_bounded(int, 1, 10**9, "a count"), default=50)
    audit.add_argument("--json", action="store_true", help="JSON lines, newest first")
    audit.add_argument(
        "--export", metavar="FILE", type=Path, help="write every entry, oldest first, as JSONL"
    )

    policy = sub.add_parser("policy", parents=[common], help="show, check or create the policy file")
    policy.add_argument("--init", action="store_true", help="write the default policy.yaml to edit")
    policy.add_argument("--check", action="store_true", help="validate policy.yaml")

    state = sub.add_parser("state", parents=[common], help="print every entity's state")
    state.add_argument("--as", dest="member", help="as this member sees it (default: the owner)")
    state.add_argument("--json", action="store_true")

    cli_household.add_parsers(sub, common)
    cli_care.add_parsers(sub, common)

    nlu = sub.add_parser("nlu", help="the trained understanding model: predict, train")
    nlu_sub = nlu.add_subparsers(dest="nlu_command", required=True)
    predict = nlu_sub.add_parser("predict", help='label JSON lines {"id","text"} from stdin')
    predict.add_argument(
        "--format", choices=["slurp", "homemind"], default="slurp", help="SLURP labels or homemind's own"
    )
    predict.add_argument("--threads", type=int, default=1, help="CPU threads for the model (default 1)")
    predict.add_argument("--model", type=Path, help="model directory (default: the packaged model)")
    train = nlu_sub.add_parser("train", help="rebuild the model from ../shared data and the generators")
    train.add_argument("--out", type=Path, help="where to write it (default: the package's model dir)")
    train.add_argument(
        "--shared", type=Path, help="the shared English data dir (default: ../shared beside the checkout)"
    )
    train.add_argument(
        "--with-slurp-dev",
        action="store_true",
        help="also learn from SLURP's dev split (benchmarks/nlu.py's dev figure is then not held out)",
    )
    train.add_argument(
        "--epochs", type=int, help="epochs for both rounds (default: 3 for the teacher, 4 for the student)"
    )
    train.add_argument(
        "--seed",
        type=int,
        action="append",
        help="seed for the generated sentences and the training order; one gives a single model, "
        "several an ensemble, each member trained twice: on its own, then distilled from the "
        "first round's ensemble (default: 13 and 29, an ensemble of two)",
    )

    mqtt = sub.add_parser(
        "mqtt",
        parents=[common],
        help="what the broker has: devices bound, devices the home file lacks, problems",
    )
    mqtt.add_argument("--json", action="store_true")

    simulate = sub.add_parser(
        "simulate",
        parents=[common],
        help="run a home's devices on an MQTT broker (Zigbee2MQTT and Home Assistant discovery)",
    )
    simulate.add_argument("--broker", required=True, metavar="URL", help="mqtt://host[:port]")
    simulate.add_argument(
        "--home", default="demo", help="'demo' (the default), or the path of a home file whose devices to run"
    )
    simulate.add_argument(
        "--delay", type=_milliseconds, default=50, metavar="MS", help="how long a device takes to act (50)"
    )
    simulate.add_argument("--username", help="broker user name")
    simulate.add_argument("--password", help="broker password")

    outdoors_cli.register(sub, common)  # weather, alerts, energy
    assistant_cli.register(sub, common)
    docs_cli.register(sub, common)

    for name, text in (
        ("serve", "serve the HTTP API"),
        ("demo", "create the demo home if needed, then serve"),
    ):
        server = sub.add_parser(name, parents=[common], help=text)
        server.add_argument("--host", default="127.0.0.1")
        server.add_argument("--port", type=_port, default=DEFAULT_PORT)
        server.add_argument(
            "--trusted-proxy",
            action="append",
            type=_network,
            default=[],
            metavar="ADDRESS",
            help="a reverse proxy whose X-Forwarded-For/-Proto to believe (address or network; repeatable)",
        )
        server.add_argument(
            "--allowed-host",
            action="append",
            default=[],
            metavar="NAME",
            help="a Host name to answer besides this machine's own (a proxy's public name; repeatable)",
        )
    return parser


def _bounded(convert: type[int] | type[float], low: float, high: float, what: str) -> Any:
    """An argparse type: a number within bounds, or a clear usage error."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} is {low:g}-{high:g}, not {text}")
        return value

    return parse


_port = _bounded(int, 1, 65535, "a port number")
_milliseconds = _bounded(float, 0, 60_000, "a delay in milliseconds")


def _network(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an address or network: {text!r}") from None


def _member_id(text: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", text):
        raise argparse.ArgumentTypeError(f"a member id is lower-case letters, digits and _, not {text!r}")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    # Whatever text comes back (an echoed odd byte), printing it must not crash.
    sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    args = _parser().parse_args(argv)
    if args.command != "simulate":  # simulate says who is talking in its own lines
        logs.configure(tracebacks=args.command in ("serve", "demo", "wyoming"))
    if args.command in _LONG_RUNNING or (args.command == "ask" and args.text == ["-"]):
        settle_memory()  # runs for long: the garbage collector back on (see channels/entry.py)
    directory = data_dir(getattr(args, "data", None))
    try:
        if args.command == "init":
            if args.llm and not args.demo:  # an existing home gets (or changes) its model tier
                return _init_llm(directory, args)
            path = init_data_dir(directory, demo=args.demo, force=args.force, broker=args.broker)
            print(f"created {path}")
            print(f"installed {_install_starter(directory)} laws and regulations in the documents library")
            print(f"the demo family's PIN (unlock, disarm) is {DEMO_PIN}; `homemind member pin` changes it")
            print(f"the demo alarm's code is {DEMO_CODE}; `homemind device code` changes it")
            return _init_llm(directory, args) if args.llm else 0
        if args.command == "nlu":
            return _nlu(args)
        if args.command == "say":
            return _say(args)
        if args.command == "simulate":
            return _simulate(args)
        if args.command == "policy":
            return _policy(directory, args)
        if args.command == "docs":
            return docs_cli.run(args, directory)
        if args.command in ("serve", "demo"):
            return _serve(directory, args, init_if_missing=args.command == "demo")
        return asyncio.run(_run(args, directory))
    except (SetupError, HomeFileError, StoreError, PolicyError, AuthError) as exc:
        print(f"homemind: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a data dir that is a file, unwritable, on a full disk...
        where = f" {exc.filename}" if exc.filename else ""
        print(f"homemind: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _init_llm(directory: Path, args: argparse.Namespace) -> int:
    from homemind.app import HOME_FILE
    from homemind.llm.setup import write_llm_section

    if not args.llm_model:
        raise SetupError("--llm needs --llm-model NAME (the endpoint's model, e.g. qwen2.5:3b)")
    home_file = directory / HOME_FILE
    if not home_file.exists():
        raise SetupError(f"no home in {directory}: run `homemind init --demo --llm URL --llm-model NAME`")
    write_llm_section(home_file, args.llm, args.llm_model, args.llm_key_env, args.llm_cloud)
    print(f"the model tier uses {args.llm_model} at {args.llm}; check it with `homemind llm check`")
    return 0


def _nlu(args: argparse.Namespace) -> int:
    from homemind.nlu.learned.model import LearnedModel, ModelMissing

    if args.nlu_command == "train":
        return _train(args)
    try:
        model = (
            LearnedModel(args.model, threads=args.threads)
            if args.model
            else LearnedModel(threads=args.threads)
        )
    except ModelMissing as exc:
        print(f"homemind: {exc}; run `homemind nlu train`", file=sys.stderr)
        return 2
    from homemind.nlu.learned.batch import predict_lines

    sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    failed = False
    for line in predict_lines(model, sys.stdin, args.format):
        failed = failed or "error" in line
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failed else 0


def _train(args: argparse.Namespace) -> int:
    if os.environ.get("PYTHONHASHSEED") != "0":
        # hassil enumerates sentences through sets, whose order follows the string hash seed:
        # a fixed seed makes the generated data, and so the model, the same on every run.
        os.execve(
            sys.executable,
            [sys.executable, "-m", "homemind", *sys.argv[1:]],
            {**os.environ, "PYTHONHASHSEED": "0"},
        )
    try:
        from homemind.nlu.learned.train import (
            ENSEMBLE_SEEDS,
            MODEL_DIR,
            SHARED_DATA,
            TrainingPlan,
            train,
            train_ensemble,
        )
    except ImportError as exc:
        print(f"homemind: training needs the train extra (pip install -e '.[train]'): {exc}", file=sys.stderr)
        return 2
    shared = args.shared or SHARED_DATA
    if not (shared / "hwu64_clean.jsonl").is_file():
        print(f"homemind: no training data in {shared} (pass --shared DIR)", file=sys.stderr)
        return 2
    plan = TrainingPlan(shared=shared, include_slurp_dev=args.with_slurp_dev)
    if args.epochs:
        plan = replace(plan, epochs=args.epochs, student_epochs=args.epochs)
    seeds = args.seed or list(ENSEMBLE_SEEDS)
    out, progress = args.out or MODEL_DIR, (lambda line: print(line, flush=True))
    if len(seeds) == 1:
        meta = train(replace(plan, seed=seeds[0]), out, progress=progress)
    else:
        meta = train_ensemble(plan, seeds, out, progress=progress)
    print(f"trained in {meta['seconds']} s; held-out intent accuracy {meta['held_out_accuracy']}")
    return 0


async def _run(args: argparse.Namespace, directory: Path) -> int:
    hub = Hub.open(directory)
    await hub.start()
    try:
        if args.command == "ask":
            return await _ask(hub, args)
        if args.command == "call":
            return await _call(hub, args)
        if args.command == "state":
            dump = hub.state_dump(hub.actor(args.member))
            if args.json:
                print(json.dumps(dump, ensure_ascii=False, indent=2))
            else:
                for entity_id, item in dump["entities"].items():
                    print(f"{entity_id:40} {item['state']}")
            return 0
        if args.command == "mqtt":
            return _mqtt_status(hub, args.json)
        if args.command == "member":
            return _member(hub, args)
        if args.command == "device":
            return cli_device.run(hub, args)
        if args.command == "audit":
            return _audit(hub, args)
        if args.command == "listen":
            return await _listen_file(hub, args)
        if args.command in outdoors_cli.COMMANDS:
            return await outdoors_cli.run(hub, args)
        if args.command in assistant_cli.COMMANDS:
            return await assistant_cli.run(hub, args)
        if args.command == "wyoming":
            from homemind.channels.wyoming import serve_wyoming

            await serve_wyoming(hub, args.host, args.port)
            return 0
        if args.command in cli_household.COMMANDS:
            return cli_household.run(hub, args)
        if args.command == "care":
            return await cli_care.run(hub, args)
        raise AssertionError(args.command)
    finally:
        await hub.stop()


async def _ask(hub: Hub, args: argparse.Namespace) -> int:
    actor = hub.actor(args.member, channel="cli")
    texts = args.text
    if texts == ["-"]:
        # Invalid UTF-8 on stdin becomes an error reply for that line, not a crash.
        sys.stdin.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
        conversation_id = args.conversation_id
        for line in sys.stdin:
            result = await hub.conversation.process(
                line.rstrip("\n"), actor, language=args.lang, conversation_id=conversation_id
            )
            conversation_id = result.conversation_id
            _print_result(result.as_dict(), args.json)
            sys.stdout.flush()
        return 0
    result = await hub.conversation.process(
        " ".join(texts), actor, language=args.lang, conversation_id=args.conversation_id
    )
    _print_result(result.as_dict(), args.json)
    return 0 if result.status.value in _OK_STATUSES else 1


async def _listen_file(hub: Hub, args: argparse.Namespace) -> int:
    from homemind.voice.audio import VoiceError, read_wav
    from homemind.voice.service import Voice

    actor = replace(hub.actor(args.member, channel="voice"), area=args.area)
    if args.area is not None and args.area not in hub.home.areas:
        raise SetupError(f"unknown area {args.area!r} (areas: {', '.join(hub.home.areas)})")
    try:
        audio = read_wav(args.wav.read_bytes())
    except VoiceError as exc:
        print(f"homemind: {args.wav}: {exc.message(actor.member.language)}", file=sys.stderr)
        return 2
    if args.wake and hub.home.voice.wake_word is None:
        raise SetupError(
            "no wake word is configured: add voice: wake_word: {model_dir: DIR} to the home file"
            " (without --wake, listen is push-to-talk and needs none)"
        )
    voice = Voice.for_hub(hub)
    if args.wake and voice.wake is None:
        raise SetupError(voice.wake_problem or "the wake word cannot be used")
    for problem in voice.problems:
        print(f"homemind: {problem}", file=sys.stderr)
    outcome = await voice.listen(
        audio, actor, conversation_id=args.conversation_id, speak=args.reply is not None, wake=args.wake
    )
    if args.reply is not None and outcome.reply is not None:
        args.reply.write_bytes(outcome.reply.wav())
    if args.json:
        print(json.dumps(outcome.as_dict(), ensure_ascii=False))
    else:
        if outcome.wake_word_at is not None:
            print(f"wake word at {outcome.wake_word_at:.2f} s")
        print(f"heard: {outcome.as_dict()['transcript']}")
        print(outcome.result.response)
    return 0 if outcome.result.status.value in _OK_STATUSES else 1


def _say(args: argparse.Namespace) -> int:
    from homemind.nlu.language import detect_language
    from homemind.voice.audio import VoiceError
    from homemind.voice.tts import Speaker

    text = " ".join(args.text)
    language = args.lang or detect_language(text)
    try:
        audio = Speaker.default().synthesize(text, language)
    except VoiceError as exc:
        print(f"homemind: {exc.message(language)}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"homemind: {exc}", file=sys.stderr)
        return 2
    args.output.write_bytes(audio.wav())
    print(f"wrote {args.output} ({audio.seconds:.1f} s)")
    return 0


def _mqtt_status(hub: Hub, as_json: bool) -> int:
    status = getattr(hub.backend, "status", None)
    if hub.home.mqtt is None or status is None:
        raise SetupError("this home has no mqtt section: its devices are simulated in-process")
    report: dict[str, Any] = status()
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"broker {report['broker']}: {'connected' if report['connected'] else 'NOT connected'}")
    print(f"\nbound ({len(report['bound'])}):")
    for entity_id, what in report["bound"].items():
        flag = "  (unavailable)" if entity_id in report["unavailable"] else ""
        print(f"  {entity_id:40} {what}{flag}")
    missing = report["not_in_home_file"]
    print(f"\ndiscovered, not in the home file ({len(missing)}): add an entity with this id to use it")
    for item in missing:
        print(f"  {item['entity_id']:40} {item['discovered_as']}")
    print(f"\nproblems ({len(report['problems'])}):")
    for problem in report["problems"]:
        print(f"  {problem}")
    return 0


def _print_result(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(result["response"])


def _parse_data(pairs: Sequence[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SetupError(f"service data must be key=value, got {pair!r}")
        try:
            parsed = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            parsed = value
        # A code keeps its leading zeros; YAML 1.1's on/off/yes/no stay words (hvac_mode=off);
        # dates, infinities and other YAML oddities stay the text that was typed.
        if (
            key == "code"
            or (isinstance(parsed, bool) and value.lower() not in ("true", "false"))
            or not _plain(parsed)
        ):
            parsed = value
        data[key] = parsed
    return data


def _plain(value: Any) -> bool:
    """JSON-like values only: what a service could take and what can be printed back."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, str | int | bool)


async def _call(hub: Hub, args: argparse.Namespace) -> int:
    actor = hub.actor(None, channel="cli", direct=True)
    outcome = await hub.executor.execute(actor, args.entity_id, args.service, _parse_data(args.service_data))
    out = outcome.as_dict(hub.home.language)
    if outcome.state is not None:
        out["state"] = {"state": outcome.state.state, "attributes": outcome.state.attributes}
    print(json.dumps(out, ensure_ascii=False))
    return 0 if outcome.result.value == "ok" else 1


def _read_secret(prompt: str) -> str:
    """A password or PIN from the terminal (not echoed), or the first line of stdin for scripts."""
    try:
        if sys.stdin.isatty():
            import getpass

            return getpass.getpass(prompt)
        return sys.stdin.readline().rstrip("\n")
    except UnicodeDecodeError:
        raise AuthError("that is not readable text") from None


def _member(hub: Hub, args: argparse.Namespace) -> int:
    command = args.member_command
    if command == "add":
        if args.member_id in hub.home.members:
            raise SetupError(f"member {args.member_id!r} already exists")
        if args.name is not None and not (0 < len(args.name) <= 100 and is_clean_text(args.name)):
            raise SetupError("a member's name is 1-100 characters of readable text")
        hub.store.add_member(args.member_id, args.name or args.member_id, args.role, args.lang)
        print(f"added {args.member_id} ({args.role}); give them a token or a password next")
        return 0
    if command == "list":
        rows: list[dict[str, Any]] = []
        for m in hub.home.members.values():
            tokens = [t for t in hub.store.tokens(m.id) if t["revoked_at"] is None]
            rows.append(
                {
                    "id": m.id,
                    "name": m.names.display(m.language),
                    "role": m.role.value,
                    "language": m.language,
                    "owner": m.id == hub.home.owner,
                    "credentials": hub.store.credential_kinds(m.id),
                    "tokens": len(tokens),
                }
            )
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                owner = " (owner)" if r["owner"] else ""
                creds = ", ".join(r["credentials"]) or "no password or PIN"
                print(f"{r['id']:12} {r['role']:6} {r['name']}{owner}: {creds}; {r['tokens']} token(s)")
        return 0
    if command == "token":
        return _token(hub, args)
    member = hub.member(args.member_id)
    secret = _read_secret(f"{'Password' if command == 'passwd' else 'PIN'} for {member.id}: ")
    if command == "passwd":
        hub.auth.set_password(member.id, secret)
    else:
        hub.auth.set_pin(member.id, secret)
    print(f"{'password' if command == 'passwd' else 'PIN'} set for {member.id}")
    return 0


def _token(hub: Hub, args: argparse.Namespace) -> int:
    if args.revoke:
        if not hub.store.revoke_token(args.revoke, hub.executor.clock()):
            raise SetupError(f"no live token with id {args.revoke!r}")
        print(f"revoked token {args.revoke}")
        return 0
    if args.list:
        now = hub.executor.clock()
        for t in hub.store.tokens(args.member_id):
            expired = t["expires_at"] is not None and t["expires_at"] <= now
            status = "revoked" if t["revoked_at"] is not None else "expired" if expired else "live"
            scope = "read-only" if t["read_only"] else "full"
            print(f"{t['id']}  {t['member']:12} {status:8} {scope:9} {t['name']}")
        return 0
    if not args.member_id:
        raise SetupError("name the member the token acts as: homemind member token MEMBER")
    member = hub.member(args.member_id)
    expires_at = hub.executor.clock() + args.expires * 86400 if args.expires else None
    issued = hub.auth.issue_token(member.id, args.name, read_only=args.read_only, expires_at=expires_at)
    print(issued.text)
    revoke = f"homemind member token --revoke {issued.id}"
    print(f"token {issued.id} for {member.id}: shown once; revoke with `{revoke}`", file=sys.stderr)
    return 0


def _audit(hub: Hub, args: argparse.Namespace) -> int:
    if args.export:
        entries = list(reversed(hub.store.actions(None, member=args.member, since=args.since)))
        tmp = args.export.with_name(args.export.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for entry in entries:
                out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        os.replace(tmp, args.export)
        print(f"wrote {len(entries)} entries to {args.export}")
        return 0
    for entry in hub.store.actions(args.limit, member=args.member, since=args.since):
        if args.json:
            print(json.dumps(entry, ensure_ascii=False))
            continue
        said = f' "{entry["text"]}"' if entry["text"] else ""
        why = f" ({entry['detail']})" if entry["detail"] else ""
        print(
            f"{entry['time']} {entry['member']}@{entry['channel']}{said}: {entry['service']}"
            f" {entry['entity_id']} [{entry['action_class']}/{entry['decision']}] -> {entry['result']}{why}"
        )
    return 0


def _policy(directory: Path, args: argparse.Namespace) -> int:
    path = directory / POLICY_FILE
    if args.init:
        if path.exists():
            raise SetupError(f"{path} already exists")
        make_private_dir(directory)
        write_private(path, default_policy_text())
        print(f"created {path}")
        return 0
    policy = Policy.load(directory)
    if args.check:
        print(f"{policy.source}: valid")
        return 0
    print(default_policy_text() if not path.exists() else path.read_text("utf-8"), end="")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    """Run the devices until interrupted; the broker may come and go meanwhile."""
    import logging

    from homemind.app import demo_home_text
    from homemind.core.homefile import host_port, load_home, parse_home
    from homemind.devices.mqtt.simulator import CONTROL_TOPIC, Simulator

    try:
        host, port, _tls = host_port(args.broker)
    except ValueError as exc:
        raise SetupError(str(exc)) from None
    home = parse_home(demo_home_text(), "demo home") if args.home == "demo" else load_home(Path(args.home))
    logging.basicConfig(level=logging.WARNING, format="homemind simulate: %(message)s")

    async def run() -> None:
        simulator = Simulator(
            home, host, port, delay=args.delay / 1000, username=args.username, password=args.password
        )
        task = asyncio.create_task(simulator.run())
        await simulator.ready.wait()
        zigbee, others = len(simulator.z2m.by_name), len(simulator.ha.devices)
        print(
            f"homemind simulate: {home.name}: {zigbee} Zigbee2MQTT devices and {others} with Home Assistant"
            f" discovery on {args.broker}; control topic {CONTROL_TOPIC}",
            flush=True,
        )
        await task

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


def _install_starter(directory: Path) -> int:
    """The packaged laws into the new home's library (`homemind init`, and `demo` the first time)."""
    from homemind.library import install_starter_library

    hub = Hub.open(directory)
    try:
        return install_starter_library(directory, hub.policy, hub.home.owner)
    finally:
        hub.store.close()


def _serve(directory: Path, args: argparse.Namespace, *, init_if_missing: bool) -> int:
    host, port = args.host, args.port
    if init_if_missing and not (directory / "home.yaml").exists():
        print(f"created {init_data_dir(directory, demo=True)} (the demo family's PIN is {DEMO_PIN})")
        _install_starter(directory)
    check_home(directory)  # no home, or one that does not load: one line and exit 2, as for `ask`
    Policy.load(directory)
    loopback = _is_loopback(host)
    if not loopback and not _has_authentication(directory):
        raise SetupError(
            f"refusing to listen on {host}: no authentication is configured, so the API only binds"
            " to a loopback address (127.0.0.1 or ::1). Create a token or password first"
            " (homemind member token MEMBER / homemind member passwd MEMBER)"
        )
    lock = DataDirLock(directory)
    lock.acquire("start another")
    sock = _listen(host, port)
    import uvicorn  # only the server pays for importing the web stack

    from homemind.channels.http import create_app
    from homemind.channels.limits import host_names, server_options

    # Off loopback, every request needs a token or a session, even if all are revoked later.
    app = create_app(
        directory,
        require_auth=not loopback,
        allowed_hosts=[*host_names(host), *args.allowed_host],
        trusted_proxies=args.trusted_proxy,
    )
    print(f"homemind: serving {directory} on http://{host}:{port} (API docs at /docs)", flush=True)
    try:
        uvicorn.Server(uvicorn.Config(app, log_level="warning", **server_options())).run(sockets=[sock])
    finally:
        lock.release()
    return 0


def _listen(host: str, port: int) -> socket.socket:
    """Bind before saying "serving", so a busy port is a clear error, not a traceback."""
    address = "127.0.0.1" if host == "localhost" else host
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on connections whose socket
    # says TCP (base_events._set_nodelay); with proto 0 every keep-alive answer sent in two
    # writes waited 40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        raise SetupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


def _has_authentication(directory: Path) -> bool:
    if not (directory / STORE_FILE).exists():
        return False
    store = Store(directory / STORE_FILE)
    try:
        return store.has_authentication()
    finally:
        store.close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
