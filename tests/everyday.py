"""Everyday commands on the demo home, phrased the way household members really talk.

Written by hand, apart from (and without looking at) the NLU tier's training-data
generators and its sentence templates, so that they measure how well the hub copes
with extra words, indirect requests ("it's too dark in the kitchen", "客厅太亮了")
and colloquial forms, not how well the generators and the matcher agree.

Unlike ``scenarios.py``, every step is independent: it is said on a fresh demo home,
in a conversation of its own. ``before`` lists the owner's direct service calls
(``(service, entity_id)``, as with ``homemind call``) made on that fresh home first,
so that the step asks for a real change (a light must be on before it can be
dimmed or switched off, the door unlocked before it can be locked, the TV on
before its volume can change). After the step, ``expect`` must hold (entity_id or
entity_id@attribute -> value) and every key in ``changed`` must differ from its
value just before the step was said (after ``before``); ``changed`` is for
requests whose amount is a matter of judgement ("dim it a bit"), where only the
direction of travel, not the value, is certain. For questions (status
``answered``), ``says`` is a word the answer must contain.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenarios import Step


@dataclass(frozen=True)
class Everyday(Step):
    before: tuple[tuple[str, str], ...] = ()  # (service, entity_id) direct calls on the fresh home first
    changed: tuple[str, ...] = ()  # entity_id or entity_id@attribute that must differ after the step


CEILING = "light.living_room_ceiling"
TV = "media_player.living_room_tv"
ALARM = "alarm_control_panel.home_security"

ENGLISH_EVERYDAY = [
    # Lights on, asked for in passing or indirectly.
    Everyday("can you put the kitchen light on for me?", "done", {"light.kitchen": "on"}),
    Everyday("it's way too dark in the kitchen", "done", {"light.kitchen": "on"}),
    Everyday("bedroom lights on please, I'm heading up", "done", {"light.bedroom": "on"}),
    Everyday("could you switch on grandma's light, she wants to read", "done", {"light.grandma_room": "on"}),
    Everyday("Lily wants her nightlight on", "done", {"light.kids_room": "on"}),
    Everyday("I can't see a thing out on the balcony", "done", {"light.balcony": "on"}),
    Everyday("switch the big light on in the lounge", "done", {CEILING: "on"}),
    Everyday("put the reading lamp on, would you", "done", {"light.floor_lamp": "on"}),
    # Lights off.
    Everyday(
        "kill the kitchen light", "done", {"light.kitchen": "off"}, before=(("turn_on", "light.kitchen"),)
    ),
    Everyday(
        "we're done in the bedroom, you can switch the light off now",
        "done",
        {"light.bedroom": "off"},
        before=(("turn_on", "light.bedroom"),),
    ),
    Everyday(
        "no need for the balcony light any more",
        "done",
        {"light.balcony": "off"},
        before=(("turn_on", "light.balcony"),),
    ),
    Everyday(
        "Lily's fast asleep, turn her light off",
        "done",
        {"light.kids_room": "off"},
        before=(("turn_on", "light.kids_room"),),
    ),
    Everyday(
        "lights off in the living room, we're watching a film",
        "done",
        {CEILING: "off", "light.floor_lamp": "off"},
        before=(("turn_on", CEILING), ("turn_on", "light.floor_lamp")),
    ),
    # Brightness and colour.
    Everyday(
        "the lounge light is a bit bright, can you tone it down",
        "done",
        {CEILING: "on"},
        before=(("turn_on", CEILING),),
        changed=(f"{CEILING}@brightness",),
    ),
    Everyday(
        "dim the bedroom light a little",
        "done",
        {"light.bedroom": "on"},
        before=(("turn_on", "light.bedroom"),),
        changed=("light.bedroom@brightness",),
    ),
    Everyday(
        "make the reading lamp brighter, I can hardly see my book",
        "done",
        {"light.floor_lamp": "on"},
        before=(("turn_on", "light.floor_lamp"),),
        changed=("light.floor_lamp@brightness",),
    ),
    Everyday(
        "put the bedroom light on at half brightness",
        "done",
        {"light.bedroom": "on", "light.bedroom@brightness": 128},
    ),
    Everyday(
        "can you bring the floor lamp down to about twenty percent",
        "done",
        {"light.floor_lamp": "on", "light.floor_lamp@brightness": 51},
    ),
    Everyday(
        "make Lily's nightlight pink",
        "done",
        {"light.kids_room": "on", "light.kids_room@rgb_color": [255, 192, 203]},
    ),
    Everyday(
        "could the floor lamp go red for a bit",
        "done",
        {"light.floor_lamp": "on", "light.floor_lamp@rgb_color": [255, 0, 0]},
    ),
    Everyday(
        "make the living room light a warmer white",
        "done",
        {CEILING: "on"},
        changed=(f"{CEILING}@color_temp_kelvin",),
    ),
    # Heating and cooling.
    Everyday("it's freezing in the bedroom", "done", {"climate.bedroom_ac": "heat"}),
    Everyday("the living room is boiling, cool it down a bit", "done", {"climate.living_room_ac": "cool"}),
    Everyday(
        "can you get the bedroom to 22 degrees",
        "done",
        {"climate.bedroom_ac": "cool", "climate.bedroom_ac@temperature": 22},
    ),
    Everyday(
        "bump the living room aircon up a couple of degrees",
        "done",
        changed=("climate.living_room_ac@temperature",),
    ),
    Everyday(
        "it's really muggy in the lounge, put the aircon on dry", "done", {"climate.living_room_ac": "dry"}
    ),
    Everyday(
        "switch the bedroom air con off, I'm opening the window",
        "done",
        {"climate.bedroom_ac": "off"},
        before=(("turn_on", "climate.bedroom_ac"),),
    ),
    Everyday(
        "I want a hotter shower, turn the water heater up to 65",
        "done",
        {"water_heater.bathroom@temperature": 65},
    ),
    # Appliances.
    Everyday("stick the kettle on", "done", {"switch.kettle": "on"}),
    Everyday("can you start the rice cooker, dinner's in an hour", "done", {"switch.rice_cooker": "on"}),
    Everyday("can you run the washing machine, it's full", "done", {"switch.washing_machine": "on"}),
    Everyday("the bathroom's all steamed up", "done", {"fan.bathroom_fan": "on"}),
    Everyday(
        "you can turn the kettle off now",
        "done",
        {"switch.kettle": "off"},
        before=(("turn_on", "switch.kettle"),),
    ),
    Everyday(
        "switch off the extractor, it's noisy",
        "done",
        {"fan.bathroom_fan": "off"},
        before=(("turn_on", "fan.bathroom_fan"),),
    ),
    # Curtains and blinds.
    Everyday(
        "let some light into the living room, open the curtains",
        "done",
        {"cover.living_room_curtains": "open", "cover.living_room_curtains@current_position": 100},
    ),
    Everyday(
        "open the bedroom blinds halfway",
        "done",
        {"cover.bedroom_blinds": "open", "cover.bedroom_blinds@current_position": 50},
    ),
    Everyday(
        "pull the curtains shut, the neighbours can see right in",
        "done",
        {"cover.living_room_curtains": "closed"},
        before=(("open_cover", "cover.living_room_curtains"),),
    ),
    Everyday(
        "shut the shades in the bedroom, the sun's in my eyes",
        "done",
        {"cover.bedroom_blinds": "closed"},
        before=(("open_cover", "cover.bedroom_blinds"),),
    ),
    # The robot vacuum.
    Everyday("the floor's covered in crumbs, can the robot do a round", "done", {"vacuum.robot": "cleaning"}),
    Everyday("get the hoover going", "done", {"vacuum.robot": "cleaning"}),
    Everyday(
        "hold the roomba for a sec, the baby's sleeping",
        "done",
        {"vacuum.robot": "paused"},
        before=(("start", "vacuum.robot"),),
    ),
    Everyday(
        "that's enough hoovering, tell it to go back to its dock",
        "done",
        {"vacuum.robot": "returning"},
        before=(("start", "vacuum.robot"),),
    ),
    # The TV.
    Everyday("put the telly on", "done", {TV: "idle"}),
    Everyday("I can barely hear the TV", "done", before=(("turn_on", TV),), changed=(f"{TV}@volume_level",)),
    Everyday("the telly's way too loud", "done", before=(("turn_on", TV),), changed=(f"{TV}@volume_level",)),
    Everyday(
        "shh, mute the tv, I'm on the phone",
        "done",
        {f"{TV}@is_volume_muted": True},
        before=(("turn_on", TV),),
    ),
    Everyday("switch the tv off, nobody's watching it", "done", {TV: "off"}, before=(("turn_on", TV),)),
    # Locking up and arming (the safe directions only).
    Everyday(
        "lock the door behind me, would you",
        "done",
        {"lock.front_door": "locked"},
        before=(("unlock", "lock.front_door"),),
    ),
    Everyday(
        "can you lock up, I'm off to bed",
        "done",
        {"lock.front_door": "locked"},
        before=(("unlock", "lock.front_door"),),
    ),
    Everyday("we're heading out, arm the alarm", "done", {ALARM: "armed_away"}),
    Everyday("we're going to bed, put the alarm on home mode", "done", {ALARM: "armed_home"}),
    # Questions about the home.
    Everyday("is the kitchen light still on?", "answered", says="No"),
    Everyday("did I leave the kettle on?", "answered", says="Yes", before=(("turn_on", "switch.kettle"),)),
    Everyday("is the front door locked at the moment?", "answered", says="Yes"),
    Everyday("how warm is it in the lounge right now?", "answered", says="26.5"),
    Everyday("what's the temperature like in the bedroom?", "answered", says="27"),
    Everyday("how damp is it in the living room", "answered", says="68"),
    Everyday("how much electricity are we burning through right now?", "answered", says="420"),
    Everyday("are the curtains open?", "answered", says="No"),
    Everyday("is the telly on?", "answered", says="No"),
    Everyday("is the alarm on?", "answered", says="No"),
    Everyday("is grandma's light on?", "answered", says="Yes", before=(("turn_on", "light.grandma_room"),)),
    Everyday("have you got the time?", "answered", says="It's"),
    Everyday("what's the date today?", "answered", says="Today is"),
]

CHINESE_EVERYDAY = [
    # 开灯，包括间接的说法。
    Everyday("厨房太黑了，啥也看不见", "done", {"light.kitchen": "on"}),
    Everyday("卧室黑咕隆咚的，帮我把灯开一下", "done", {"light.bedroom": "on"}),
    Everyday("奶奶房间的灯给开开", "done", {"light.grandma_room": "on"}),
    Everyday("麻烦开下阳台灯", "done", {"light.balcony": "on"}),
    Everyday("莉莉要睡了，把她的夜灯打开吧", "done", {"light.kids_room": "on"}),
    Everyday("客厅那个大灯给我打开呗", "done", {CEILING: "on"}),
    Everyday("台灯开一下，我看会儿书", "done", {"light.floor_lamp": "on"}),
    # 关灯。
    Everyday(
        "厨房没人了，灯关了吧", "done", {"light.kitchen": "off"}, before=(("turn_on", "light.kitchen"),)
    ),
    Everyday("睡觉了，卧室灯关掉", "done", {"light.bedroom": "off"}, before=(("turn_on", "light.bedroom"),)),
    Everyday(
        "阳台灯还亮着呢，帮我关了",
        "done",
        {"light.balcony": "off"},
        before=(("turn_on", "light.balcony"),),
    ),
    Everyday(
        "把莉莉房间的灯给关了",
        "done",
        {"light.kids_room": "off"},
        before=(("turn_on", "light.kids_room"),),
    ),
    Everyday(
        "客厅的灯统统给我关掉",
        "done",
        {CEILING: "off", "light.floor_lamp": "off"},
        before=(("turn_on", CEILING), ("turn_on", "light.floor_lamp")),
    ),
    # 亮度和颜色。
    Everyday(
        "客厅太亮了",
        "done",
        {CEILING: "on"},
        before=(("turn_on", CEILING),),
        changed=(f"{CEILING}@brightness",),
    ),
    Everyday(
        "卧室灯调暗一点",
        "done",
        {"light.bedroom": "on"},
        before=(("turn_on", "light.bedroom"),),
        changed=("light.bedroom@brightness",),
    ),
    Everyday(
        "台灯再亮一点，看不清字了",
        "done",
        {"light.floor_lamp": "on"},
        before=(("turn_on", "light.floor_lamp"),),
        changed=("light.floor_lamp@brightness",),
    ),
    Everyday("卧室灯调到一半亮度", "done", {"light.bedroom": "on", "light.bedroom@brightness": 128}),
    Everyday(
        "落地灯亮度给我调到百分之八十吧",
        "done",
        {"light.floor_lamp": "on", "light.floor_lamp@brightness": 204},
    ),
    Everyday(
        "夜灯换成粉色的",
        "done",
        {"light.kids_room": "on", "light.kids_room@rgb_color": [255, 192, 203]},
    ),
    Everyday(
        "把台灯弄成紫色",
        "done",
        {"light.floor_lamp": "on", "light.floor_lamp@rgb_color": [128, 0, 128]},
    ),
    Everyday("客厅灯的颜色暖一点", "done", {CEILING: "on"}, changed=(f"{CEILING}@color_temp_kelvin",)),
    # 空调和热水器。
    Everyday("卧室有点热", "done", {"climate.bedroom_ac": "cool"}),
    Everyday("客厅冷死了", "done", {"climate.living_room_ac": "heat"}),
    Everyday(
        "卧室空调给我开到二十五度哈",
        "done",
        {"climate.bedroom_ac": "cool", "climate.bedroom_ac@temperature": 25},
    ),
    Everyday("客厅空调温度调高两度", "done", {"climate.living_room_ac@temperature": 28}),
    Everyday("客厅好潮啊，空调开个除湿", "done", {"climate.living_room_ac": "dry"}),
    Everyday(
        "卧室空调先关了吧，我要开窗",
        "done",
        {"climate.bedroom_ac": "off"},
        before=(("turn_on", "climate.bedroom_ac"),),
    ),
    Everyday("热水器温度调高点，水不够热", "done", changed=("water_heater.bathroom@temperature",)),
    # 电器。
    Everyday("烧点开水吧", "done", {"switch.kettle": "on"}),
    Everyday("把电饭锅开了，该煮饭了", "done", {"switch.rice_cooker": "on"}),
    Everyday("洗衣机启动一下", "done", {"switch.washing_machine": "on"}),
    Everyday("厕所有味儿，开下排风扇", "done", {"fan.bathroom_fan": "on"}),
    Everyday(
        "水烧开了，水壶关了吧", "done", {"switch.kettle": "off"}, before=(("turn_on", "switch.kettle"),)
    ),
    Everyday(
        "风扇吵死了，关一下", "done", {"fan.bathroom_fan": "off"}, before=(("turn_on", "fan.bathroom_fan"),)
    ),
    # 窗帘和百叶窗。
    Everyday(
        "窗帘拉开吧，透透光",
        "done",
        {"cover.living_room_curtains": "open", "cover.living_room_curtains@current_position": 100},
    ),
    Everyday(
        "卧室百叶窗开一半",
        "done",
        {"cover.bedroom_blinds": "open", "cover.bedroom_blinds@current_position": 50},
    ),
    Everyday(
        "天黑了，把客厅窗帘拉上呗",
        "done",
        {"cover.living_room_curtains": "closed"},
        before=(("open_cover", "cover.living_room_curtains"),),
    ),
    Everyday(
        "太阳太晒了，卧室窗帘关上",
        "done",
        {"cover.bedroom_blinds": "closed"},
        before=(("open_cover", "cover.bedroom_blinds"),),
    ),
    # 扫地机器人。
    Everyday("地上好多头发，让扫地机扫一下", "done", {"vacuum.robot": "cleaning"}),
    Everyday("家里太脏了，开始扫地吧", "done", {"vacuum.robot": "cleaning"}),
    Everyday(
        "扫地机器人先停一下，孩子在睡觉",
        "done",
        {"vacuum.robot": "paused"},
        before=(("start", "vacuum.robot"),),
    ),
    Everyday(
        "吸尘器扫得差不多了，回去充电吧",
        "done",
        {"vacuum.robot": "returning"},
        before=(("start", "vacuum.robot"),),
    ),
    # 电视。
    Everyday("电视开一下，看新闻", "done", {TV: "idle"}),
    Everyday("电视声音太大了", "done", before=(("turn_on", TV),), changed=(f"{TV}@volume_level",)),
    Everyday(
        "电视声音大点儿，奶奶听不见", "done", before=(("turn_on", TV),), changed=(f"{TV}@volume_level",)
    ),
    Everyday("电视先静个音", "done", {f"{TV}@is_volume_muted": True}, before=(("turn_on", TV),)),
    Everyday("电视关了吧，别看了", "done", {TV: "off"}, before=(("turn_on", TV),)),
    # 锁门和布防（只做安全的方向）。
    Everyday("门锁上", "done", {"lock.front_door": "locked"}, before=(("unlock", "lock.front_door"),)),
    Everyday(
        "人都回来了，把家门锁好",
        "done",
        {"lock.front_door": "locked"},
        before=(("unlock", "lock.front_door"),),
    ),
    Everyday("出门了，布个防", "done", {ALARM: "armed_away"}),
    Everyday("睡觉前把安防开成在家模式", "done", {ALARM: "armed_home"}),
    # 问家里的情况。
    Everyday("厨房灯还开着吗", "answered", says="没有"),
    Everyday("水壶是不是还开着", "answered", says="是的", before=(("turn_on", "switch.kettle"),)),
    Everyday("大门锁好了没", "answered", says="是的"),
    Everyday("卧室现在温度多少", "answered", says="27"),
    Everyday("屋里湿度大不大", "answered", says="68"),
    Everyday("家里现在用了多少电", "answered", says="420"),
    Everyday("窗帘开着没", "answered", says="没有"),
    Everyday("电视开着吗", "answered", says="没有"),
    Everyday("报警器开着没有", "answered", says="没有"),
    Everyday("奶奶房间灯开着吗", "answered", says="是的", before=(("turn_on", "light.grandma_room"),)),
    Everyday("今天几号啊", "answered", says="今天是"),
    Everyday("几点了", "answered", says="现在是"),
]
