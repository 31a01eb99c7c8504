"""Services (turn_on, set_temperature, ...), what data each takes, and what a device allows.

Named and shaped as in Home Assistant. Validation happens here, once, before any
backend sees a call, so a simulated lamp and an MQTT lamp refuse the same bad
request with the same words, and nothing changes on error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from homemind.core import i18n
from homemind.core.events import Context
from homemind.core.model import UNAVAILABLE, Domain, Entity

i18n.register(
    {
        "error.unknown_service": {
            "en": "There is no service called {service}.",
            "zh": "没有名为 {service} 的服务。",
        },
        "error.unknown_entity": {
            "en": "There is no device called {entity_id}.",
            "zh": "没有 {entity_id} 这个设备。",
        },
        "error.service_not_for_domain": {
            "en": "{entity} can't {service}.",
            "zh": "{entity}不能{service}。",
        },
        "error.invalid_data": {
            "en": "Invalid data for {service}: {detail}.",
            "zh": "{service} 的参数无效：{detail}。",
        },
        "error.unsupported": {
            "en": "{entity} doesn't support {feature}.",
            "zh": "{entity}不支持{feature}。",
        },
        "error.out_of_range": {
            "en": "{entity} can only be set between {low} and {high}{unit} (asked for {value}{unit}).",
            "zh": "{entity}只能设置在 {low} 到 {high}{unit} 之间（要求的是 {value}{unit}）。",
        },
        "error.invalid_mode": {
            "en": "{entity} has no {mode} mode (it has {modes}).",
            "zh": "{entity}没有 {mode} 模式（支持：{modes}）。",
        },
        "error.unknown_color": {
            "en": "I don't know the colour {color}.",
            "zh": "我不认识颜色“{color}”。",
        },
        "error.unavailable": {
            "en": "{entity} is offline.",
            "zh": "{entity}离线了。",
        },
        "error.bad_step": {
            "en": "{entity} is set in steps of {step} °C ({value} °C is between steps).",
            "zh": "{entity}只能以 {step} 度为单位调节（{value} 度不行）。",
        },
        "error.invalid_text": {
            "en": "That request contains unreadable text.",
            "zh": "请求中含有无法识别的字符。",
        },
        "error.vacuum_not_moving": {
            "en": "{entity} isn't cleaning right now.",
            "zh": "{entity}现在没有在打扫。",
        },
        "error.device_off": {
            "en": "{entity} is off; turn it on first.",
            "zh": "{entity}是关着的，请先打开。",
        },
        "error.code_required": {
            "en": "{entity} needs its code.",
            "zh": "{entity}需要密码。",
        },
        "error.wrong_code": {
            "en": "That code is not right for {entity}.",
            "zh": "{entity}的密码不对。",
        },
        "error.backend": {
            "en": "{entity} did not respond: {detail}.",
            "zh": "{entity}没有响应：{detail}。",
        },
        "service.turn_on": {"en": "be turned on", "zh": "打开"},
        "service.turn_off": {"en": "be turned off", "zh": "关闭"},
        "service.toggle": {"en": "be switched", "zh": "切换开关"},
        "service.set_temperature": {"en": "be set to a temperature", "zh": "设置温度"},
        "service.set_hvac_mode": {"en": "change mode", "zh": "切换模式"},
        "service.open_cover": {"en": "open", "zh": "打开"},
        "service.close_cover": {"en": "close", "zh": "关上"},
        "service.set_cover_position": {"en": "be set to a position", "zh": "调节开合"},
        "service.lock": {"en": "lock", "zh": "上锁"},
        "service.unlock": {"en": "unlock", "zh": "解锁"},
        "service.volume_set": {"en": "change the volume", "zh": "调音量"},
        "service.volume_mute": {"en": "mute", "zh": "静音"},
        "service.media_play": {"en": "play", "zh": "播放"},
        "service.media_pause": {"en": "pause", "zh": "暂停"},
        "service.start": {"en": "start cleaning", "zh": "开始打扫"},
        "service.pause": {"en": "pause", "zh": "暂停"},
        "service.return_to_base": {"en": "go back to a dock", "zh": "回充"},
        "service.alarm_arm_home": {"en": "be armed", "zh": "布防"},
        "service.alarm_arm_away": {"en": "be armed", "zh": "布防"},
        "service.alarm_disarm": {"en": "be disarmed", "zh": "撤防"},
        "service.set_percentage": {"en": "change speed", "zh": "调风速"},
        "service.send_message": {"en": "show a message", "zh": "显示消息"},
        "feature.brightness": {"en": "dimming", "zh": "调光"},
        "feature.color": {"en": "colours", "zh": "调色"},
        "feature.color_temp": {"en": "colour temperature", "zh": "色温"},
        "feature.position": {"en": "a position", "zh": "设置开合位置"},
        "feature.target_temperature": {"en": "a target temperature", "zh": "设置温度"},
        "feature.volume_set": {"en": "volume", "zh": "音量调节"},
        "feature.volume_mute": {"en": "muting", "zh": "静音"},
        "feature.play_pause": {"en": "play and pause", "zh": "播放暂停"},
        "feature.start": {"en": "starting", "zh": "启动"},
        "feature.pause": {"en": "pausing", "zh": "暂停"},
        "feature.return_home": {"en": "returning to its dock", "zh": "回充"},
        "feature.arm_home": {"en": "arming at home", "zh": "在家布防"},
        "feature.arm_away": {"en": "arming away", "zh": "离家布防"},
        "feature.set_speed": {"en": "speeds", "zh": "调风速"},
    }
)


class ActionError(Exception):
    """A request a device cannot carry out; rendered in the reader's language."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, language: str = "en") -> str:
        params = dict(self.params)
        if "feature" in params and isinstance(params["feature"], str):
            params["feature"] = i18n.translate(f"feature.{params['feature']}", language)
        if self.key == "error.service_not_for_domain" and params.get("service") in SERVICES:
            # Say "can't change the volume", not "can't volume_set".
            params["service"] = i18n.translate(f"service.{params['service']}", language)
        return i18n.translate(self.key, language, **params)

    def __str__(self) -> str:
        return self.message("en")


def _has_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    return isinstance(value, list | tuple) and any(isinstance(v, bool) for v in value)


class _Data(BaseModel):
    # No NaN or infinity, and no true/false where a number is meant: lax parsing
    # would otherwise read `position: true` as 1 %.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bools_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields[info.field_name or ""]
        if field.annotation is not bool and _has_bool(value):
            raise ValueError("expected a number or text, not true/false")
        return value


class NoData(_Data):
    pass


class LightOnData(_Data):
    brightness_pct: float | None = Field(default=None, ge=0, le=100)
    brightness: int | None = Field(default=None, ge=0, le=255)
    rgb_color: tuple[int, int, int] | None = None
    color_name: str | None = Field(default=None, min_length=1, max_length=40)
    color_temp_kelvin: int | None = Field(default=None, ge=1000, le=12000)


class TemperatureData(_Data):
    temperature: float
    hvac_mode: str | None = None


class HvacModeData(_Data):
    hvac_mode: str


class PositionData(_Data):
    position: int = Field(ge=0, le=100)


# A lock's or panel's code: what a keypad accepts, and what clients are told to ask for.
CODE_FORMAT = r"^[0-9]{4,8}$"


class CodeData(_Data):
    code: str | None = Field(default=None, pattern=CODE_FORMAT)


class PercentageData(_Data):
    percentage: int = Field(ge=0, le=100)


class VolumeData(_Data):
    volume_level: float = Field(ge=0.0, le=1.0)


class MuteData(_Data):
    is_volume_muted: bool


class MessageData(_Data):
    """Home Assistant's ``notify.send_message``: the text a screen shows or a speaker says."""

    message: str = Field(min_length=1, max_length=1000)
    title: str | None = Field(default=None, max_length=200)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    domains: frozenset[Domain]
    data: type[_Data]
    # The unsafe direction of a sensitive device (unlock, disarm): held for confirmation.
    sensitive: bool = False


SWITCHABLE_DOMAINS = frozenset(
    {
        Domain.LIGHT,
        Domain.SWITCH,
        Domain.FAN,
        Domain.CLIMATE,
        Domain.MEDIA_PLAYER,
        Domain.WATER_HEATER,
    }
)

SERVICES: dict[str, ServiceSpec] = {
    s.name: s
    for s in [
        ServiceSpec("turn_on", SWITCHABLE_DOMAINS, LightOnData),
        ServiceSpec("turn_off", SWITCHABLE_DOMAINS, NoData),
        ServiceSpec("toggle", SWITCHABLE_DOMAINS, NoData),
        ServiceSpec("set_temperature", frozenset({Domain.CLIMATE, Domain.WATER_HEATER}), TemperatureData),
        ServiceSpec("set_hvac_mode", frozenset({Domain.CLIMATE}), HvacModeData),
        ServiceSpec("open_cover", frozenset({Domain.COVER}), NoData),
        ServiceSpec("close_cover", frozenset({Domain.COVER}), NoData),
        ServiceSpec("set_cover_position", frozenset({Domain.COVER}), PositionData),
        ServiceSpec("lock", frozenset({Domain.LOCK}), CodeData),
        ServiceSpec("unlock", frozenset({Domain.LOCK}), CodeData, sensitive=True),
        ServiceSpec("set_percentage", frozenset({Domain.FAN}), PercentageData),
        ServiceSpec("volume_set", frozenset({Domain.MEDIA_PLAYER}), VolumeData),
        ServiceSpec("volume_mute", frozenset({Domain.MEDIA_PLAYER}), MuteData),
        ServiceSpec("media_play", frozenset({Domain.MEDIA_PLAYER}), NoData),
        ServiceSpec("media_pause", frozenset({Domain.MEDIA_PLAYER}), NoData),
        ServiceSpec("start", frozenset({Domain.VACUUM}), NoData),
        ServiceSpec("pause", frozenset({Domain.VACUUM}), NoData),
        ServiceSpec("return_to_base", frozenset({Domain.VACUUM}), NoData),
        ServiceSpec("alarm_arm_home", frozenset({Domain.ALARM_CONTROL_PANEL}), CodeData),
        ServiceSpec("alarm_arm_away", frozenset({Domain.ALARM_CONTROL_PANEL}), CodeData),
        ServiceSpec("alarm_disarm", frozenset({Domain.ALARM_CONTROL_PANEL}), CodeData, sensitive=True),
        ServiceSpec("send_message", frozenset({Domain.NOTIFY}), MessageData),
    ]
}

# Only lights take turn_on data; other domains turn on plainly.
_FEATURE_OF_SERVICE: dict[str, str] = {
    "set_percentage": "set_speed",
    "set_cover_position": "position",
    "volume_set": "volume_set",
    "volume_mute": "volume_mute",
    "media_play": "play_pause",
    "media_pause": "play_pause",
    "start": "start",
    "pause": "pause",
    "return_to_base": "return_home",
    "alarm_arm_home": "arm_home",
    "alarm_arm_away": "arm_away",
}

COLOR_NAMES: dict[str, tuple[int, int, int]] = {
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "orange": (255, 165, 0),
    "purple": (128, 0, 128),
    "pink": (255, 192, 203),
    "white": (255, 255, 255),
    "warm white": (255, 214, 170),
    "cyan": (0, 255, 255),
    "magenta": (255, 0, 255),
    "black": (0, 0, 0),
    "brown": (165, 42, 42),
    "turquoise": (64, 224, 208),
}


@dataclass(frozen=True)
class ServiceCall:
    """A validated request to one entity; ``data`` holds only the fields that were given."""

    entity: Entity
    service: str
    data: dict[str, Any]
    context: Context


def validate_call(entity: Entity, service: str, data: dict[str, Any], context: Context) -> ServiceCall:
    """Check a service call against the service's schema and the device's abilities."""
    spec = SERVICES.get(service)
    if spec is None:
        raise ActionError("error.unknown_service", service=service)
    if entity.domain not in spec.domains:
        raise ActionError("error.service_not_for_domain", entity=entity, service=service)
    light_data = service == "turn_on" and entity.domain is not Domain.LIGHT
    model = NoData if light_data else spec.data
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'data'}: {err['msg']}" for err in exc.errors()
        )
        raise ActionError("error.invalid_data", service=service, detail=detail) from None
    clean = parsed.model_dump(exclude_none=True)
    _check_capabilities(entity, service, clean)
    return ServiceCall(entity=entity, service=service, data=clean, context=context)


def _check_capabilities(entity: Entity, service: str, data: dict[str, Any]) -> None:
    feature = _FEATURE_OF_SERVICE.get(service)
    if feature and not entity.supports(feature):
        raise ActionError("error.unsupported", entity=entity, feature=feature)
    if service == "turn_on" and entity.domain is Domain.LIGHT:
        if ("brightness_pct" in data or "brightness" in data) and not entity.supports("brightness"):
            raise ActionError("error.unsupported", entity=entity, feature="brightness")
        if ("rgb_color" in data or "color_name" in data) and not entity.supports("color"):
            raise ActionError("error.unsupported", entity=entity, feature="color")
        if "color_temp_kelvin" in data:
            if not entity.supports("color_temp"):
                raise ActionError("error.unsupported", entity=entity, feature="color_temp")
            _check_range(
                entity,
                data["color_temp_kelvin"],
                "min_color_temp_kelvin",
                2000,
                "max_color_temp_kelvin",
                6500,
                " K",
            )
        if "rgb_color" in data and any(not 0 <= c <= 255 for c in data["rgb_color"]):
            raise ActionError("error.invalid_data", service=service, detail="rgb_color values are 0-255")
        if "color_name" in data and data["color_name"].lower() not in COLOR_NAMES:
            raise ActionError("error.unknown_color", color=data["color_name"])
    if service == "set_temperature":
        if not entity.supports("target_temperature"):
            raise ActionError("error.unsupported", entity=entity, feature="target_temperature")
        _check_range(entity, data["temperature"], "min_temp", 7, "max_temp", 35, " °C")
        step = entity.capabilities.get("target_temp_step")
        if step and abs(round(data["temperature"] / step) * step - data["temperature"]) > 1e-6:
            raise ActionError("error.bad_step", entity=entity, step=step, value=data["temperature"])
    if "hvac_mode" in data:
        modes = entity.capabilities.get("hvac_modes", ["off", "cool", "heat"])
        if data["hvac_mode"] not in modes:
            raise ActionError("error.invalid_mode", entity=entity, mode=data["hvac_mode"], modes=modes)


def _check_range(
    entity: Entity, value: float, low_key: str, low: float, high_key: str, high: float, unit: str
) -> None:
    """Device limits come from the home file (or discovery); the defaults are Home Assistant's."""
    low = entity.capabilities.get(low_key, low)
    high = entity.capabilities.get(high_key, high)
    if not low <= value <= high:
        raise ActionError("error.out_of_range", entity=entity, low=low, high=high, value=value, unit=unit)


def check_available(entity: Entity, state: str) -> None:
    if state == UNAVAILABLE:
        raise ActionError("error.unavailable", entity=entity)


# The safe direction never wants a code, as with real keypads.
_NO_CODE_SERVICES = frozenset({"lock", "alarm_arm_home", "alarm_arm_away"})


def needs_code(entity: Entity, service: str) -> bool:
    """Whether this call wants the device's code: a device with one, in the unsafe direction."""
    return bool(entity.secrets.get("code")) and service not in _NO_CODE_SERVICES


def check_code(call: ServiceCall) -> None:
    """A lock or panel with a code wants one for the unsafe direction, as real keypads do.

    The code is kept only as a hash in the store, so the executor (which can read it)
    checks it against the hash before any backend sees the call; a backend only makes
    sure one came along, and sends it on to a device that checks codes itself.
    """
    if needs_code(call.entity, call.service) and call.data.get("code") is None:
        raise ActionError("error.code_required", entity=call.entity)
