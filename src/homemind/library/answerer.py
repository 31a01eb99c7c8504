"""The documents fallback: a question no tier understood, answered from the library.

It is one of the pipeline's fallbacks (``conversation/fallback.py``): it sees the
text and who asked, never the executor, so nothing a document says can act on the
home. It answers only what reads like a question about rules, rights, procedures or
a document; anything else passes on to "not understood". Below the calibrated
confidence it says it could not find the answer, naming the closest document:
never an answer without a source.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homemind.library import LibraryHandle
from homemind.policy import Actor
from homemind.skills import Reply, Status

if TYPE_CHECKING:  # numpy, jieba and the encoders load with the first question, not with the hub
    from homemind.library.answer import Writer
    from homemind.library.search import Hit

# The cosine between the question and the best passage above which an answer is given: e5's
# for a question in the document's own language, USE's for an English question about a Chinese
# text (their scales differ). "zh" and "en" were chosen on the dev halves of
# benchmarks/data/docs_everyday.jsonl and docs_outside.jsonl (benchmarks/docs.py reports both
# halves; README's Documents section has the figures); "en-en" (English questions about
# English documents) by hand on a few manuals and notes: there is no such question set yet.
MIN_COSINE = {"zh": 0.88, "en": 0.42, "en-en": 0.80}
# A question with no word of rules or documents needs more to be taken as one.
MIN_COSINE_UNCUED = {"zh": 0.90, "en": 0.50, "en-en": 0.86}


_QUESTION_EN = re.compile(
    r"\?\s*$|^(how|what|when|where|who|whom|which|why|can|could|may|must|do|does|did|is|are|am|should"
    r"|will|would|have|has|tell me|explain)\b",
    re.IGNORECASE,
)
_QUESTION_ZH = re.compile(
    r"[?？]|吗|呢|怎么|怎样|如何|什么|哪|多久|多少|几|能不能|可不可以|是否|要不要|有没有|谁|咋|啥|么"
)
_CUES_EN = re.compile(
    r"\b(law|laws|legal|rule|rules|regulation|regulations|right|rights|allowed|entitled|required|have to|"
    r"must|apply|application|register|registration|permit|licen[cs]e|contract|lease|landlord|tenant|rent|"
    r"deposit|refund|return|compensation|insurance|pension|benefit|tax|inherit\w*|will|divorce|custody|"
    r"child support|employer|job|work|leave|wage|salary|fine|penalty|manual|guide|note|notes|notice|"
    r"letter|document|"
    r"instructions|warranty|school|id card|identity|residence|hukou|waste|rubbish|garbage|recycl\w*|"
    r"neighbou?r\w*|dog|pet|property|fee|owe|sue|court|lawyer|police|consumer|shop|seller|bought|buy)\b",
    re.IGNORECASE,
)
_CUES_ZH = re.compile(
    r"法|条例|规定|条款|权利|权益|义务|责任|合同|协议|申请|办理|手续|材料|证|登记|户口|社保|保险|养老|医保|公积金|"
    r"补偿|赔偿|赔|退|罚|税|继承|遗产|遗嘱|离婚|抚养|赡养|监护|工资|加班|辞|劳动|假|租|房东|物业|业主|邻居|狗|宠物|"
    r"垃圾|分类|学校|入学|上学|幼儿园|说明书|手册|通知|文件|规则|能不能|可以吗|合法|违法|犯法|报警|起诉|律师|消费|买|"
    r"限|标准|条件|要求|禁止|允许|报告|医生|医院|病"
)


def looks_like_question(text: str, language: str) -> bool:
    if language == "zh":
        return len(text.strip()) >= 4 and bool(_QUESTION_ZH.search(text) or _CUES_ZH.search(text))
    return len(text.split()) >= 3 and bool(_QUESTION_EN.search(text.strip()))


def has_cue(text: str, language: str) -> bool:
    return bool((_CUES_ZH if language == "zh" else _CUES_EN).search(text))


def confident(hits: Sequence[Hit], language: str, *, cued: bool = True) -> bool:
    """Whether the best passage is close enough to the question to answer from it."""
    if not hits:
        return False
    scale = "en-en" if language == "en" and hits[0].document.language == "en" else language
    bar = (MIN_COSINE if cued else MIN_COSINE_UNCUED).get(scale, MIN_COSINE["en"])
    return hits[0].dense >= bar


@dataclass
class DocumentsAnswerer:
    """Answers questions from the library (a :class:`~homemind.conversation.fallback.Fallback`)."""

    library: LibraryHandle
    writer: Writer | None = None  # the LLM tier's writer, when one is configured
    name: str = "documents"
    k: int = 3

    async def answer(self, text: str, actor: Actor, language: str, conversation_id: str) -> Reply | None:
        library = self.library.get()
        if library is None or not looks_like_question(text, language):
            return None  # a data dir without a library (made before it existed): as before
        from homemind.library.answer import not_found, quoted_answer, written_answer

        hits = await asyncio.to_thread(library.search, text, actor.member, self.k)
        cued = has_cue(text, language)
        if not confident(hits, language, cued=cued):
            if not cued:
                return None  # "how are you?": not a question for the library; let it pass
            return Reply(Status.ANSWERED, not_found(hits, language))
        # The best passage, and the next ones only if they are as close to the question.
        used = [hits[0], *(h for h in hits[1:] if confident([h], language, cued=cued))]
        if self.writer is not None:
            written = written_answer(text, used, language, self.writer)
            return Reply(Status.ANSWERED, written.text, sources=[used[i].as_dict() for i in written.cited])
        return Reply(
            Status.ANSWERED, quoted_answer(text, used, language), sources=[h.as_dict() for h in used]
        )
