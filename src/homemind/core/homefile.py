"""Load and validate a YAML home file into a :class:`~homemind.core.model.Home`.

A person edits this file by hand, so every error names the file, the line and
the field (``home.yaml:42: entities[3].area: unknown area 'kitchn'``). pydantic
does the validation; PyYAML's node marks give us the lines, which plain
``yaml.safe_load`` throws away.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from homemind.core import outdoors  # the weather, warnings and energy sections
from homemind.core.carefile import CareSection, build_care
from homemind.core.model import (
    DOMAIN_FEATURES,
    DOMAIN_STATES,
    Area,
    Automation,
    Domain,
    Entity,
    Home,
    LlmSettings,
    Member,
    MqttSettings,
    Names,
    Role,
    Routine,
    Satellite,
    Step,
    VoiceSettings,
    WakeWordSettings,
)
from homemind.core.yamltext import LOADER

Language = Literal["en", "zh"]
_SLUG = r"^[a-z0-9_]+$"
_ENTITY_ID = re.compile(r"^([a-z_]+)\.([a-z0-9_]+)$")
_CREDENTIAL = r"^[a-z0-9_.-]{1,64}$"

# Static capabilities a domain may declare, and the type each must have.
_CAPABILITIES: dict[Domain, dict[str, type | tuple[type, ...]]] = {
    Domain.LIGHT: {"min_color_temp_kelvin": int, "max_color_temp_kelvin": int},
    Domain.CLIMATE: {
        "min_temp": (int, float),
        "max_temp": (int, float),
        "target_temp_step": (int, float),
        "hvac_modes": list,
    },
    Domain.WATER_HEATER: {"min_temp": (int, float), "max_temp": (int, float)},
    Domain.SENSOR: {"unit_of_measurement": str, "state_class": str},
    Domain.EVENT: {"event_types": list},
}


_BOOL_TAG = "tag:yaml.org,2002:bool"
# libyaml's parser (core/yamltext.py): every CLI command reads this file.
_LOADER = LOADER


_MAX_BYTES = 2_000_000
_MAX_NODES = 200_000


class HomeFileError(ValueError):
    """A home file that cannot be used; the message says where and why."""


class _TooBig(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HomeSection(_Strict):
    name: str = Field(min_length=1)
    timezone: str = "UTC"
    language: Language = "en"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r} (use an IANA name such as Asia/Shanghai)") from exc
        return value


class NamedSpec(_Strict):
    name: dict[Language, str] = Field(min_length=1)
    aliases: dict[Language, list[str]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _non_empty_names(cls, value: dict[str, str]) -> dict[str, str]:
        for language, text in value.items():
            if not text.strip():
                raise ValueError(f"the {language} name is empty")
        return value

    def names(self) -> Names:
        return Names(
            name={k: v.strip() for k, v in self.name.items()},
            aliases={k: tuple(a.strip() for a in v if a.strip()) for k, v in self.aliases.items()},
        )


class AreaSpec(NamedSpec):
    id: str = Field(pattern=_SLUG)


class MemberSpec(NamedSpec):
    id: str = Field(pattern=_SLUG)
    role: Role
    language: Language = "en"


class CodeRefSpec(_Strict):
    """Where a device's code is kept: the name of a hashed credential in the store."""

    credential: str = Field(pattern=_CREDENTIAL)


class EntitySpec(NamedSpec):
    id: str
    area: str | None = None
    features: list[str] = Field(default_factory=list)
    device_class: str | None = None
    state: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)
    capabilities: dict[str, Any] = Field(default_factory=dict)
    # ``{credential: NAME}``: the code is kept hashed in the store under NAME (set with
    # `homemind device code`). A plain code is what older home files held: the hub moves
    # it into the store when it opens the data dir (homemind.datadir), and this parser
    # keeps no copy of it (the reference is then the entity's own id).
    code: CodeRefSpec | Annotated[str, Field(pattern=r"^[0-9]{4,8}$")] | None = None

    @field_validator("id")
    @classmethod
    def _entity_id(cls, value: str) -> str:
        match = _ENTITY_ID.match(value)
        if not match:
            raise ValueError(f"entity id {value!r} is not of the form domain.object_id")
        if match.group(1) not in Domain.__members__.values():
            known = ", ".join(sorted(d.value for d in Domain))
            raise ValueError(f"unknown domain {match.group(1)!r} (known: {known})")
        return value

    @property
    def domain(self) -> Domain:
        return Domain(self.id.split(".", 1)[0])


def _topic_prefix(value: str | None) -> str | None:
    if value is None:
        return None
    if not value or value.startswith("/") or value.endswith("/"):
        raise ValueError(f"{value!r} is not a topic prefix (no leading or trailing '/')")
    if any(c in value for c in "+#\0"):
        raise ValueError(f"{value!r} contains an MQTT wildcard or NUL")
    return value


class MqttSection(_Strict):
    """``mqtt:``: the broker the home's devices are on. Without it the home is simulated."""

    broker: str = Field(min_length=1, description="mqtt://host[:port] or mqtts://host[:port]")
    username: str | None = Field(default=None, min_length=1)
    password: str | None = None
    discovery_prefix: str | None = "homeassistant"
    zigbee2mqtt: str | None = "zigbee2mqtt"
    birth: bool = True
    command_timeout: float = Field(default=5.0, gt=0, le=120)
    entities: dict[str, str] = Field(default_factory=dict)

    @field_validator("broker")
    @classmethod
    def _broker_url(cls, value: str) -> str:
        host_port(value)
        return value

    @field_validator("discovery_prefix", "zigbee2mqtt")
    @classmethod
    def _prefix(cls, value: str | None) -> str | None:
        return _topic_prefix(value)

    @field_validator("command_timeout", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("expected a number of seconds, not true/false")
        return value

    @field_validator("entities")
    @classmethod
    def _matches(cls, value: dict[str, str]) -> dict[str, str]:
        for entity_id, match in value.items():
            if not match.strip():
                raise ValueError(
                    f"{entity_id}: empty match (give a unique_id or a Zigbee2MQTT friendly name)"
                )
        return value


def _checked_url(url: str, what: str, schemes: tuple[str, str], credentials: str) -> SplitResult:
    """``url`` split, with a scheme of ``schemes``, a host, a port number if any, and no
    credentials, query or fragment; each problem a clear error naming ``what`` it is."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a {what} URL: {exc}") from None
    a = "an" if what[0] in "aeiou" else "a"
    if parts.scheme not in schemes:
        raise ValueError(f"{url!r}: {a} {what} URL starts with {schemes[0]}:// or {schemes[1]}://")
    if not parts.hostname:
        raise ValueError(f"{url!r}: the {what} URL has no host")
    if parts.username or parts.password:
        raise ValueError(f"{url!r}: {credentials}")
    if parts.query or parts.fragment:
        raise ValueError(f"{url!r}: {a} {what} URL is only scheme, host, port and path")
    return parts


def host_port(url: str) -> tuple[str, int, bool]:
    """``mqtt://host[:port]`` -> (host, port, tls); anything else is a clear error."""
    parts = _checked_url(
        url, "broker", ("mqtt", "mqtts"), "give username and password as their own fields, not in the URL"
    )
    if parts.path not in ("", "/"):
        raise ValueError(f"{url!r}: a broker URL is only scheme, host and port")
    tls = parts.scheme == "mqtts"
    return parts.hostname or "", parts.port or (8883 if tls else 1883), tls


_HHMM = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"


class StepSpec(_Strict):
    service: str
    entity_id: str | None = None
    domain: str | None = None
    exclude: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)


class RoutineSpec(NamedSpec):
    id: str = Field(pattern=_SLUG)
    phrases: dict[Language, list[str]] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)


class TriggerSpec(_Strict):
    at: str | None = Field(default=None, pattern=_HHMM)
    entity_id: str | None = None
    to: str | None = None


class ConditionSpec(_Strict):
    after: str | None = Field(default=None, pattern=_HHMM)
    before: str | None = Field(default=None, pattern=_HHMM)
    entity_id: str | None = None
    state: str | None = None


class AutomationSpec(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    enabled: bool = True
    trigger: TriggerSpec
    conditions: list[ConditionSpec] = Field(default_factory=list)
    steps: list[StepSpec] = Field(min_length=1)


class OrdersSection(_Strict):
    monthly_budget: float | None = Field(default=None, ge=0)


class SatelliteSpec(_Strict):
    """A microphone or Wyoming satellite: where it is and who speaks through it by default."""

    address: str = Field(min_length=1, description="the satellite's IP address (the allow-list)")
    area: str | None = None
    member: str | None = None

    @field_validator("address")
    @classmethod
    def _ip(cls, value: str) -> str:
        import ipaddress

        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address") from None


class EngineSpec(_Strict):
    engine: Literal["faster-whisper", "sherpa-onnx", "pocketsphinx-general"]
    model: str | None = Field(default=None, description="model directory the user supplies")


class WakeWordSpec(_Strict):
    """``voice: wake_word:``: a wake-word model directory the user supplies (none ships: see README)."""

    model_dir: str = Field(min_length=1, description="openWakeWord-style directory of ONNX models")
    threshold: float = Field(default=0.5, gt=0.0, lt=1.0, description="score that counts as heard")


class VoiceSection(_Strict):
    """``voice:``: satellites allowed to talk to the Wyoming server, open-vocabulary engines, a wake word."""

    satellites: list[SatelliteSpec] = Field(default_factory=list)
    fallback: EngineSpec | None = None
    zh: EngineSpec | None = None
    zh_piper_voice: str | None = None
    wake_word: WakeWordSpec | None = None
    noise_suppression: bool = Field(
        default=True, description="take steady background noise out before speech-to-text"
    )


# Host names that stay inside a home's network (mDNS, common router suffixes, RFC 8375).
_LOCAL_SUFFIXES = (".local", ".lan", ".home", ".internal", ".home.arpa", ".localdomain")


def is_local_host(host: str) -> bool:
    """Whether ``host`` is this box or the home's own network: loopback, private, link-local, a
    single-label name or a local suffix. Anything else counts as a cloud endpoint."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or ("." not in host and ":" not in host):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.endswith(_LOCAL_SUFFIXES)
    return address.is_loopback or address.is_private or address.is_link_local


def endpoint_url(url: str) -> str:
    """An OpenAI-compatible base URL (``http://127.0.0.1:11434/v1``), or a clear error."""
    _checked_url(
        url,
        "endpoint",
        ("http", "https"),
        "no credentials in the URL; name the key's variable in api_key_env",
    )
    return url.rstrip("/")


class LlmSection(_Strict):
    """``llm:``: an OpenAI-compatible chat-completions endpoint for the model tier (README)."""

    base_url: str = Field(min_length=1, description="e.g. http://127.0.0.1:11434/v1")
    model: str = Field(min_length=1, max_length=200)
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    timeout_s: float = Field(default=20.0, gt=0, le=300)
    cloud: bool = Field(default=False, description="allow an endpoint outside the home's network")
    turns_per_hour: int = Field(default=60, ge=1, le=100_000)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return endpoint_url(value)

    @field_validator("timeout_s", "cloud", mode="before")
    @classmethod
    def _not_bool(cls, value: Any, info: Any) -> Any:
        if info.field_name == "timeout_s" and isinstance(value, bool):
            raise ValueError("expected a number of seconds, not true/false")
        if info.field_name == "cloud" and not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value


class HomeFileSpec(_Strict):
    home: HomeSection
    owner: str | None = None
    members: list[MemberSpec] = Field(default_factory=list)
    areas: list[AreaSpec] = Field(default_factory=list)
    entities: list[EntitySpec] = Field(default_factory=list)
    mqtt: MqttSection | None = None
    routines: list[RoutineSpec] = Field(default_factory=list)
    automations: list[AutomationSpec] = Field(default_factory=list)
    orders: OrdersSection | None = None
    voice: VoiceSection | None = None
    weather: outdoors.WeatherSection | None = None
    warnings: outdoors.WarningsSection | None = None
    energy: outdoors.EnergySection | None = None
    llm: LlmSection | None = None
    care: CareSection | None = None


# --- line tracking -------------------------------------------------------------------


def _compose_with_lines(
    text: str,
) -> tuple[Any, dict[tuple[str | int, ...], int], list[tuple[tuple[str | int, ...], int]]]:
    """Parse YAML into data, a map from each value's path to its line, and duplicate keys.

    Two differences from ``yaml.safe_load``, both for hand-written files: a key given
    twice is reported instead of the last one silently winning, and YAML 1.1's
    ``on``/``off``/``yes``/``no`` stay words (``state: off`` means the state "off").
    """
    root = yaml.compose(text, Loader=_LOADER)
    lines: dict[tuple[str | int, ...], int] = {}
    duplicates: list[tuple[tuple[str | int, ...], int]] = []
    scalar_loader = yaml.SafeLoader("")

    open_nodes: set[int] = set()
    count = 0

    def walk(node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        nonlocal count
        count += 1
        lines[path] = node.start_mark.line + 1
        if count > _MAX_NODES:
            raise _TooBig(f"more than {_MAX_NODES} values once aliases are expanded")
        if id(node) in open_nodes:
            raise _TooBig(f"an alias refers to itself at line {node.start_mark.line + 1}")
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            open_nodes.add(id(node))
            try:
                return walk_collection(node, path)
            finally:
                open_nodes.discard(id(node))
        if node.tag == _BOOL_TAG and node.value.lower() not in ("true", "false"):
            return node.value
        return scalar_loader.construct_object(node, deep=True)

    def walk_collection(node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value
                if key in result:
                    duplicates.append(((*path, key), key_node.start_mark.line + 1))
                result[key] = walk(value_node, (*path, key))
                lines[(*path, key)] = key_node.start_mark.line + 1
            return result
        return [walk(child, (*path, i)) for i, child in enumerate(node.value)]

    if root is None:
        return None, lines, duplicates
    return walk(root, ()), lines, duplicates


def _line_for(path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> int:
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return 1


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


# --- loading -------------------------------------------------------------------------


def load_home(path: Path) -> Home:
    """Read, validate and build the home; raise :class:`HomeFileError` on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HomeFileError(f"{path}: no such home file (create one with `homemind init --demo`)") from None
    except IsADirectoryError:
        raise HomeFileError(f"{path}: is a directory, not a home file") from None
    except UnicodeDecodeError as exc:
        raise HomeFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_home(text, str(path))


def parse_home(text: str, filename: str = "home.yaml") -> Home:
    if len(text) > _MAX_BYTES:
        raise HomeFileError(f"{filename}: {len(text)} characters is too large for a home file")
    try:
        data, lines, duplicates = _compose_with_lines(text)
    except _TooBig as exc:
        raise HomeFileError(f"{filename}: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        began = ""
        if exc.context_mark is not None and exc.context_mark.line + 1 != line:
            began = f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise HomeFileError(f"{filename}:{line}: invalid YAML: {exc.problem or exc}{began}") from None
    except yaml.YAMLError as exc:
        raise HomeFileError(f"{filename}: invalid YAML: {exc}") from None
    if duplicates:
        raise HomeFileError(
            "\n".join(f"{filename}:{line}: {_dotted(path)}: given twice" for path, line in duplicates)
        )
    if not isinstance(data, dict):
        raise HomeFileError(f"{filename}:1: the home file must be a mapping with a 'home' section")

    try:
        spec = HomeFileSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(f"{filename}:{_line_for(loc, lines)}: {_dotted(loc)}: {err['msg']}")
        raise HomeFileError("\n".join(problems)) from None

    errors: list[str] = []

    def fail(path: tuple[str | int, ...], message: str) -> None:
        errors.append(f"{filename}:{_line_for(path, lines)}: {_dotted(path)}: {message}")

    home = _build(spec, fail)
    if errors:
        raise HomeFileError("\n".join(errors))
    assert home is not None
    return home


def _build(spec: HomeFileSpec, fail: Any) -> Home | None:
    areas: dict[str, Area] = {}
    for i, a in enumerate(spec.areas):
        if a.id in areas:
            fail(("areas", i, "id"), f"duplicate area id {a.id!r}")
        areas[a.id] = Area(id=a.id, names=a.names())

    members: dict[str, Member] = {}
    for i, m in enumerate(spec.members):
        if m.id in members:
            fail(("members", i, "id"), f"duplicate member id {m.id!r}")
        members[m.id] = Member(id=m.id, names=m.names(), role=m.role, language=m.language)

    entities: dict[str, Entity] = {}
    initial: dict[str, tuple[str, dict[str, Any]]] = {}
    for i, e in enumerate(spec.entities):
        here = ("entities", i)
        domain = e.domain
        if e.id in entities:
            fail((*here, "id"), f"duplicate entity id {e.id!r}")
        if e.area is not None and e.area not in areas:
            fail((*here, "area"), f"unknown area {e.area!r} (known: {', '.join(areas) or 'none'})")
        allowed = DOMAIN_FEATURES[domain]
        for feature in e.features:
            if feature not in allowed:
                fail(
                    (*here, "features"),
                    f"{domain.value} does not support feature {feature!r}"
                    f" (possible: {', '.join(sorted(allowed)) or 'none'})",
                )
        known_caps = _CAPABILITIES.get(domain, {})
        for key, value in e.capabilities.items():
            if key not in known_caps:
                fail((*here, "capabilities", key), f"unknown capability for {domain.value}")
            elif not isinstance(value, known_caps[key]) or isinstance(value, bool):
                fail((*here, "capabilities", key), f"wrong type {type(value).__name__}")
        low, high = e.capabilities.get("min_temp"), e.capabilities.get("max_temp")
        if low is not None and high is not None and low >= high:
            fail((*here, "capabilities"), f"min_temp {low} must be below max_temp {high}")
        for key, problem in _attribute_problems(e.attributes, e.capabilities):
            fail((*here, "attributes", key), problem)
        state = e.state if e.state is not None else _default_state(domain)
        states = DOMAIN_STATES[domain]
        if states and state not in states:
            fail(
                (*here, "state"),
                f"{state!r} is not a {domain.value} state ({', '.join(sorted(states))})",
            )
        if e.code is not None and domain is not Domain.ALARM_CONTROL_PANEL and domain is not Domain.LOCK:
            fail((*here, "code"), "only locks and alarm panels take a code")
        entities[e.id] = Entity(
            entity_id=e.id,
            domain=domain,
            names=e.names(),
            area=e.area,
            features=frozenset(e.features),
            device_class=e.device_class,
            capabilities=dict(e.capabilities),
            secrets={"code": e.code.credential if isinstance(e.code, CodeRefSpec) else e.id}
            if e.code
            else {},
        )
        initial[e.id] = (state, dict(e.attributes))

    owner = spec.owner
    admins = [m.id for m in members.values() if m.role is Role.ADMIN]
    if owner is None:
        owner = admins[0] if admins else None
    if owner is None:
        fail(("owner",), "the home needs an owner: name one, or give a member the admin role")
    elif owner not in members:
        fail(("owner",), f"unknown member {owner!r}")
    mqtt = _mqtt_settings(spec.mqtt, entities, fail)
    routines, automations = _routines(spec, entities, fail)
    voice = _voice_settings(spec.voice, areas, members, fail)
    weather = outdoors.build_weather(spec.weather)
    warnings = outdoors.build_warnings(spec.warnings, weather, fail)
    energy = outdoors.build_energy(spec.energy, entities, fail)
    llm = _llm_settings(spec.llm, fail)
    care = build_care(spec.care, members, areas, entities, fail)
    if owner is None:
        return None
    return Home(
        name=spec.home.name,
        timezone=spec.home.timezone,
        language=spec.home.language,
        areas=areas,
        entities=entities,
        members=members,
        owner=owner,
        initial_states=initial,
        mqtt=mqtt,
        routines=routines,
        automations=automations,
        order_budget=spec.orders.monthly_budget if spec.orders else None,
        voice=voice,
        weather=weather,
        warnings=warnings,
        energy=energy,
        care=care,
        llm=llm,
    )


def _llm_settings(section: LlmSection | None, fail: Any) -> LlmSettings | None:
    if section is None:
        return None
    host = urlsplit(section.base_url).hostname or ""
    if not section.cloud and not is_local_host(host):
        fail(
            ("llm", "base_url"),
            f"{host} is outside this home's network, so what members say would leave the box;"
            " set llm.cloud: true to allow it",
        )
    return LlmSettings(
        section.base_url,
        section.model,
        section.api_key_env,
        section.timeout_s,
        section.cloud,
        section.turns_per_hour,
    )


def _voice_settings(
    section: VoiceSection | None, areas: dict[str, Any], members: dict[str, Any], fail: Any
) -> VoiceSettings:
    if section is None:
        return VoiceSettings()
    satellites = []
    for i, sat in enumerate(section.satellites):
        if sat.area is not None and sat.area not in areas:
            fail(("voice", "satellites", i, "area"), f"unknown area {sat.area!r}")
        if sat.member is not None and sat.member not in members:
            fail(("voice", "satellites", i, "member"), f"unknown member {sat.member!r}")
        satellites.append(Satellite(sat.address, sat.area, sat.member))

    def engine(spec: EngineSpec | None) -> tuple[str, str | None] | None:
        return (spec.engine, spec.model) if spec else None

    wake = section.wake_word
    return VoiceSettings(
        tuple(satellites),
        engine(section.fallback),
        engine(section.zh),
        section.zh_piper_voice,
        WakeWordSettings(wake.model_dir, wake.threshold) if wake else None,
        section.noise_suppression,
    )


def _steps(
    specs: list[StepSpec], entities: dict[str, Entity], where: tuple[str | int, ...], fail: Any
) -> tuple[Step, ...]:
    from homemind.core.services import SERVICES

    steps = []
    for i, step in enumerate(specs):
        here = (*where, i)
        if step.service not in SERVICES:
            fail((*here, "service"), f"unknown service {step.service!r}")
        if (step.entity_id is None) == (step.domain is None):
            fail(here, "a step names either an entity_id or a domain")
        for entity_id in [step.entity_id, *step.exclude]:
            if entity_id is not None and entity_id not in entities:
                fail((*here, "entity_id"), f"unknown entity {entity_id!r}")
        if step.domain is not None and step.domain not in Domain.__members__.values():
            fail((*here, "domain"), f"unknown domain {step.domain!r}")
        steps.append(Step(step.service, step.entity_id, step.domain, tuple(step.exclude), dict(step.data)))
    return tuple(steps)


def _routines(
    spec: HomeFileSpec, entities: dict[str, Entity], fail: Any
) -> tuple[dict[str, Routine], dict[str, Automation]]:
    routines: dict[str, Routine] = {}
    for i, r in enumerate(spec.routines):
        if r.id in routines:
            fail(("routines", i, "id"), f"duplicate routine id {r.id!r}")
        phrases: dict[str, tuple[str, ...]] = {
            lang: tuple(p.strip() for p in words if p.strip()) for lang, words in r.phrases.items()
        }
        routines[r.id] = Routine(
            r.id, r.names(), phrases, _steps(r.steps, entities, ("routines", i, "steps"), fail)
        )
    automations: dict[str, Automation] = {}
    for i, a in enumerate(spec.automations):
        here = ("automations", i)
        if a.id in automations:
            fail((*here, "id"), f"duplicate automation id {a.id!r}")
        if (a.trigger.at is None) == (a.trigger.entity_id is None):
            fail((*here, "trigger"), "a trigger is either a time (at) or a state change (entity_id, to)")
        for entity_id in [a.trigger.entity_id, *(c.entity_id for c in a.conditions)]:
            if entity_id is not None and entity_id not in entities:
                fail((*here, "trigger"), f"unknown entity {entity_id!r}")
        after = next((c.after for c in a.conditions if c.after), None)
        before = next((c.before for c in a.conditions if c.before), None)
        states = tuple((c.entity_id, c.state) for c in a.conditions if c.entity_id and c.state is not None)
        automations[a.id] = Automation(
            a.id, a.name, a.enabled, a.trigger.at, a.trigger.entity_id, a.trigger.to, after, before, states,
            _steps(a.steps, entities, (*here, "steps"), fail),
        )  # fmt: skip
    return routines, automations


def _mqtt_settings(
    section: MqttSection | None, entities: dict[str, Entity], fail: Any
) -> MqttSettings | None:
    if section is None:
        return None
    for entity_id in section.entities:
        if entity_id not in entities:
            fail(("mqtt", "entities", entity_id), f"unknown entity {entity_id!r}")
    claimed: dict[str, str] = {}
    for entity_id, match in section.entities.items():
        if match in claimed:
            fail(("mqtt", "entities", entity_id), f"{match!r} is already {claimed[match]}")
        claimed[match] = entity_id
    host, port, tls = host_port(section.broker)
    return MqttSettings(
        host=host,
        port=port,
        tls=tls,
        username=section.username,
        password=section.password,
        discovery_prefix=section.discovery_prefix,
        zigbee2mqtt=section.zigbee2mqtt,
        birth=section.birth,
        command_timeout=section.command_timeout,
        entities=dict(section.entities),
    )


def _in_range(low: float, high: float) -> Any:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            return f"must be a number from {low} to {high}"
        return None

    return check


def _rgb(value: Any) -> str | None:
    ok = isinstance(value, list) and len(value) == 3
    if not ok or any(isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= 255 for c in value):
        return "must be three whole numbers from 0 to 255"
    return None


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def _attribute_problems(attributes: dict[str, Any], capabilities: dict[str, Any]) -> list[tuple[str, str]]:
    """Starting values must be ones the device could really be in (HA's attribute ranges)."""
    checks = {
        "brightness": _in_range(0, 255),
        "current_position": _in_range(0, 100),
        "volume_level": _in_range(0, 1),
        "is_volume_muted": _boolean,
        "rgb_color": _rgb,
        "battery_level": _in_range(0, 100),
        "temperature": _in_range(capabilities.get("min_temp", -50), capabilities.get("max_temp", 100)),
        "current_temperature": _in_range(-50, 100),
        "color_temp_kelvin": _in_range(
            capabilities.get("min_color_temp_kelvin", 1000), capabilities.get("max_color_temp_kelvin", 12000)
        ),
    }
    problems = []
    for key, value in attributes.items():
        check = checks.get(key)
        problem = check(value) if check else None
        if problem:
            problems.append((key, problem))
    return problems


def _default_state(domain: Domain) -> str:
    return {
        Domain.CLIMATE: "off",
        Domain.COVER: "closed",
        Domain.LOCK: "locked",
        Domain.MEDIA_PLAYER: "off",
        Domain.VACUUM: "docked",
        Domain.WATER_HEATER: "off",
        Domain.ALARM_CONTROL_PANEL: "disarmed",
        Domain.SENSOR: "unknown",
        Domain.EVENT: "unknown",
        Domain.NOTIFY: "unknown",
    }.get(domain, "off")
