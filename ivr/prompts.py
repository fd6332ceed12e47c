"""Every recorded prompt the IVR and the dialplan (ivr/asterisk/extensions.conf) play, with the
words to record. Asterisk plays files, not
text: the utility records each line below (a calm voice, 8 kHz mono, e.g. `survey-welcome.wav`)
into Asterisk's sounds directory under `custom/`. `hotline prompts` prints this script and,
given the sounds directory, which recordings are still missing; `hotline prompts build` speaks
those in Mandarin (espeak-ng) until they are recorded."""

from __future__ import annotations

from pathlib import Path

from ivr.speech import WORDS

# Asterisk picks whichever format it finds; these are the ones worth recording in.
SOUND_FORMATS = (".wav", ".sln16", ".sln", ".gsm", ".ulaw", ".alaw", ".g722")

# file (under the sounds directory, no extension) -> what the caller hears, in Chinese.
RECORDING_SCRIPT: dict[str, str] = {
    # The dialplan's own menu, for when hotline cannot be reached.
    "custom/hotline-menu": (
        "您好，这里是燃气服务热线。业务咨询请按1，故障报修请按2，服务投诉请按3，"
        "闻到燃气异味请按4，家中停气请按5，人工服务请按0。"
    ),
    "custom/gas-smell-safety": (
        "如果您闻到燃气异味，请立即打开门窗通风，不要开关任何电器，不要使用明火，"
        "不要在室内拨打电话。请迅速离开现场，到室外安全的地方再与我们联系。现在为您转接抢修值班人员。"
    ),
    "custom/goodbye": "感谢您的来电，再见。",
    # hotline's own menu (ivr/menu.py).
    "custom/ivr-welcome": "您好，欢迎致电燃气服务热线。",
    "custom/ivr-menu": (
        "业务咨询请按1，故障报修请按2，服务投诉请按3，闻到燃气异味请按4，家中停气请按5，"
        "查询工单进度请按6，人工服务请按0。"
    ),
    "custom/ivr-invalid": "对不起，您的输入有误，请重新选择。",
    "custom/ivr-to-a-person": "现在为您转接人工服务，请稍候。",
    "custom/outage-in-your-area": "您好，您所在的区域目前暂停供气，",
    "custom/outage-cause-planned": "原因是燃气管网计划检修。",
    "custom/outage-cause-unplanned": "原因是供气设施发生故障，正在抢修。",
    "custom/outage-upcoming": "您好，您所在的区域将于",
    "custom/outage-upcoming-off": "起暂停供气，",
    "custom/outage-cause-pipeline-inspection": "原因是燃气管网计划检测。",
    "custom/outage-cause-maintenance": "原因是燃气设施计划维修。",
    "custom/outage-cause-accident": "原因是供气设施发生事故，正在抢修。",
    "custom/outage-cause-emergency-repair": "原因是燃气管网紧急抢修。",
    "custom/outage-restore-at": "预计恢复供气的时间是",
    "custom/outage-restoring": "我们正在全力抢修，将尽快恢复供气。",
    "custom/outage-apology": "给您带来的不便，我们深表歉意。",
    "custom/outage-press-1": "如果您是为这次停气来电，请按1；办理其他业务请按2。",
    "custom/outage-noted": (
        "您的来电已经记录。恢复供气后请先检查燃气器具的阀门是否关闭，如需帮助请再次来电。"
    ),
    "custom/status-enter": ("请输入工单编号中的数字，包括日期和序号，以井号键结束。"),
    "custom/status-not-found": "对不起，没有找到您名下的这个工单。",
    "custom/status-unavailable": "对不起，无法核实您的来电号码，现在为您转接人工服务。",
    "custom/status-your-ticket": "您的工单，尾号",
    "custom/status-new": "已经受理，正在为您安排处理。",
    "custom/status-assigned": "已经派给工作人员，正在安排处理。",
    "custom/status-in-progress": "正在处理中。",
    "custom/status-waiting-customer": "正在等待与您确认。",
    "custom/status-resolved": "已经处理完毕。",
    "custom/status-closed": "已经办结。",
    "custom/status-visit-at": "工作人员上门的时间是",
    "custom/status-after": "重听请按1，返回主菜单请按2，人工服务请按0。",
    "custom/callback-wait": "当前来电较多，预计等待时间约",
    "custom/callback-busy": "当前来电较多，暂时无法接听。",
    "custom/callback-offer": "如需我们稍后给您回电，请按1；继续等待请按2。",
    "custom/callback-to-number": "我们将回电到",
    "custom/callback-confirm": "确认请按1，使用其他号码请按2。",
    "custom/callback-enter-number": "请输入回电号码，固定电话请加区号，以井号键结束。",
    "custom/callback-bad-number": "对不起，这个号码无法使用。",
    "custom/callback-booked": (
        "已为您登记回电，您的排队顺序会为您保留，坐席空闲时我们会按顺序给您回电。"
    ),
    "custom/callback-failed": "对不起，暂时无法登记回电，请您继续等待。",
    "custom/survey-welcome": (
        "您好，这里是燃气服务热线。为了改进我们的服务，想占用您一分钟，对您近期办理的业务做个回访。"
    ),
    "custom/survey-ticket": "您的工单编号尾号是：",
    "custom/survey-score": (
        "您对这次服务的总体满意度，非常满意请按5，满意按4，一般按3，不满意按2，非常不满意按1。"
    ),
    "custom/survey-you-chose": "您选择的是：",
    "custom/survey-confirm": "确认请按1，重新选择请按2。",
    "custom/survey-courtesy": "您对工作人员的服务态度打几分？请按1到5，5分为最好。",
    "custom/survey-resolved": "您反映的问题解决了吗？已解决请按1，未解决请按2。",
    "custom/survey-on-time": "工作人员是否按约定的时间处理？是请按1，否请按2。",
    "custom/survey-invalid": "对不起，您的输入有误，请重新输入。",
    "custom/survey-thanks": "感谢您的评价，祝您生活愉快，再见。",
    "custom/survey-no-input": "对不起，没有收到您的按键。我们会再与您联系，再见。",
    "custom/survey-sorry": "对不起，系统暂时无法完成回访，我们会再与您联系，再见。",
    # The words numbers, dates and times are said with (ivr/speech.py strings them together).
    **WORDS,
}


def missing_recordings(sounds: Path) -> list[str]:
    """The prompts with no recording in any format under `sounds` (Asterisk's sounds
    directory, or one of its language folders such as sounds/zh)."""
    return [
        name
        for name in RECORDING_SCRIPT
        if not any((sounds / f"{name}{suffix}").is_file() for suffix in SOUND_FORMATS)
    ]
