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
