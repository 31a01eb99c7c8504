"""Everything care says, in English and Chinese, by key: rendered in each reader's language.

Kept apart from the logic so the wording (what a worried son reads on his phone) can
be read and changed in one place. Names are passed as ``{"en", "zh"}`` dicts or
:class:`~homemind.core.model.Member` objects, so each reader sees them in their own
language.
"""

from __future__ import annotations

from homemind.core import i18n

i18n.register(
    {
        # --- to the member herself (speakers, the watch, her notifications) ---------------
        "care.ask": {"en": "Are you OK? Say 'I'm OK'.", "zh": "您还好吗？没事请说'我没事'。"},
        "care.help_coming": {
            "en": "Help is coming: I have told {contacts}.",
            "zh": "马上有人来帮您：已经通知了{contacts}。",
        },
        "care.on_the_way": {"en": "{who} is on the way to {member}.", "zh": "{who}正在赶去{member}那里。"},
        "care.dose.ask": {
            "en": "Say 'I took it' once you have taken it.",
            "zh": "吃完药请说'吃过了'。",
        },
        "care.dose.again": {
            "en": "Have you taken it yet ({text})? Say 'I took it'.",
            "zh": "药吃了吗（{text}）？吃了请说'吃过了'。",
        },
        # --- to the family and outside contacts ------------------------------------------
        "care.alert.fall": {
            "en": "{member} may have fallen{where} at {time} and has not answered.",
            "zh": "{member}可能摔倒了{where}（{time}），没有回应。",
        },
        "care.alert.sos": {
            "en": "{member} is calling for help{where} ({time}).",
            "zh": "{member}在呼救{where}（{time}）。",
        },
        "care.alert.not_up": {
            "en": "{member} is not up yet at {time}: no movement outside the bedroom this morning.",
            "zh": "{member}到{time}还没起床：今天早上卧室外没有动静。",
        },
        "care.alert.bathroom": {
            "en": "{member} has been in the bathroom for {minutes} minutes (since {time}).",
            "zh": "{member}在卫生间已经{minutes}分钟了（{time}进去的）。",
        },
        "care.alert.inactive": {
            "en": "No movement from {member} for {minutes} minutes (last seen{where} at {time}).",
            "zh": "{member}已经{minutes}分钟没有动静了（最后一次{where}，{time}）。",
        },
        "care.alert.spo2": {
            "en": "{member}'s blood oxygen has been below {limit}% for {minutes} minutes (now {value}%).",
            "zh": "{member}的血氧已经{minutes}分钟低于{limit}%（现在{value}%）。",
        },
        "care.alert.heart_rate": {
            "en": "{member}'s heart rate has been {value} for {minutes} minutes (outside {low}-{high}).",
            "zh": "{member}的心率已经{minutes}分钟在{value}（超出{low}-{high}）。",
        },
        "care.alert.check": {
            "en": "{member}'s watch registered a fall at {time}; there has been movement since, but no"
            " answer. Please check on {member}.",
            "zh": "{member}的手表在{time}检测到摔倒；之后有动静，但没有回应。请去看看{member}。",
        },
        "care.alert.repeat": {"en": "Reminder {round}: {text}", "zh": "第{round}次提醒：{text}"},
        "care.alert.act": {
            "en": "{text} Say 'I'm on my way' (incident {id}).",
            "zh": "{text}请回复'我马上来'（事件{id}）。",
        },
        "care.alert.child": {
            "en": "{member} needs help. Go and find {adult}!",
            "zh": "{member}需要帮助，快去找{adult}！",
        },
        "care.alert.emergency": {
            "en": "Emergency at {home}: {text} The family has not answered for {minutes} minutes.",
            "zh": "{home}紧急情况：{text}家人已经{minutes}分钟没有回应。",
        },
        "care.where": {"en": " in the {area}", "zh": "（{area}）"},
        "care.resolved": {
            "en": "{who} closed the alert about {member}.",
            "zh": "{who}已处理{member}的警报。",
        },
        "care.cancelled": {
            "en": "{member} says all is well: it was a false alarm.",
            "zh": "{member}说没事了：是误报。",
        },
        "care.dose.family": {
            "en": "{member} has not confirmed taking {text} (due at {time}).",
            "zh": "{member}还没确认吃药：{text}（应在{time}吃）。",
        },
        "care.device.off_body": {
            "en": "{member}'s watch has been off since {time}: falls and vitals are not watched.",
            "zh": "{member}的手表从{time}起没戴着：摔倒和体征都监测不到。",
        },
        "care.device.battery_low": {
            "en": "{member}'s watch battery is at {value}%: please charge it.",
            "zh": "{member}的手表电量只剩{value}%，请充电。",
        },
        "care.device.silent": {
            "en": "{member}'s watch has sent nothing since {time}: check that it is on and charged.",
            "zh": "{member}的手表从{time}起没有数据：请检查是否开机、有电。",
        },
        "care.device.ok": {"en": "{member}'s watch is working again.", "zh": "{member}的手表恢复正常了。"},
        "care.vitals.normal": {
            "en": "{member}'s {metric} is back to normal ({value}).",
            "zh": "{member}的{metric}恢复正常了（{value}）。",
        },
        "care.metric.spo2": {"en": "blood oxygen", "zh": "血氧"},
        "care.metric.heart_rate": {"en": "heart rate", "zh": "心率"},
        "care.delivery.failing": {
            "en": "Could not reach {recipient} ({target}): {error}. Still trying.",
            "zh": "无法通知{recipient}（{target}）：{error}。会继续重试。",
        },
        # --- replies in a conversation ---------------------------------------------------
        "care.reply.help": {
            "en": "I'm getting help: I have told {contacts}.",
            "zh": "我在叫人帮忙：已经通知了{contacts}。",
        },
        "care.reply.ok": {"en": "Good. I have cancelled the alert.", "zh": "好的，警报已经取消了。"},
        "care.reply.ok_nothing": {"en": "Good to hear.", "zh": "那就好。"},
        "care.reply.ack": {
            "en": "Thank you: I have told everyone you are on your way to {member}.",
            "zh": "好的，已经告诉大家您正在赶去{member}那里。",
        },
        "care.reply.ack_nothing": {"en": "Nobody needs help right now.", "zh": "现在没有人需要帮助。"},
        "care.reply.took": {"en": "Noted: {text}, taken.", "zh": "好的，记下了：{text}，已经吃了。"},
        "care.reply.took_nothing": {
            "en": "I have no medicine waiting for you.",
            "zh": "现在没有等您确认的药。",
        },
        # --- errors ----------------------------------------------------------------------
        "care.no_such": {"en": "There is no such incident.", "zh": "没有这个事件。"},
        "care.closed": {"en": "Incident {id} is already closed.", "zh": "事件{id}已经关闭了。"},
        "care.not_cared": {
            "en": "{member} is not looked after by the hub (no care section for them in the home file).",
            "zh": "家庭文件里没有{member}的看护设置。",
        },
        "care.bad_kind": {
            "en": "There is no event kind {kind} (known: {known}).",
            "zh": "没有{kind}这种事件（可用：{known}）。",
        },
        "care.bad_value": {"en": "{kind} needs a number: {detail}.", "zh": "{kind}需要一个数字：{detail}。"},
        "care.bad_until": {
            "en": "Away until when? {until} is not a date after today.",
            "zh": "外出到什么时候？{until}不是今天以后的日期。",
        },
        "care.bad_date": {"en": "{date} is not a date (YYYY-MM-DD).", "zh": "{date}不是日期（YYYY-MM-DD）。"},
        # --- what a refusal says the member may not do -------------------------------------
        "household.action.care.read": {"en": "see that incident", "zh": "查看这个事件"},
        "household.action.care.report": {"en": "report events about that member", "zh": "报告这位家人的情况"},
        "household.action.care.acknowledge": {"en": "acknowledge incidents", "zh": "确认事件"},
        "household.action.care.resolve": {"en": "close incidents", "zh": "关闭事件"},
        "household.action.care.cancel": {"en": "cancel that alert", "zh": "取消这个警报"},
        "household.action.care.away": {"en": "set that member away", "zh": "设置这位家人外出"},
    }
)
