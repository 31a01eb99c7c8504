"""When what was heard is in doubt, ask "Did you say …?" before anything changes.

espeak-ng's "unlock the front door" once came out of the decoder as "lock the boiler",
and piper's "add milk to the shopping list" as "add nope to the shutting what's list";
both were acted on. A transcript is read back instead of done when:

- a runner-up hypothesis that the home's templates also understand, and that means something
  else (another command, other devices, another number), scored almost as well as the one
  chosen ("lock" against "unlock"): the engine was not sure which;
- an engine that gives a confidence gives a low one;
- it names, where the home keeps its own names (a list, a list's items), one the home has
  never seen: a new list or item is never written from a mishearing ("add nope to the
  shutting what's list"). Items are known when on a list now or in the shop's catalog.
"""

from __future__ import annotations

from collections.abc import Sequence

from homemind.core.services import ActionError
from homemind.household import Household
from homemind.nlu.types import IntentMatch, Recognizer
from homemind.voice.stt import Transcript

# Below this an engine's own confidence (when it gives one) is a doubt.
LOW_CONFIDENCE = 0.6
# A rival that means something else and scores within this of the chosen hypothesis is a doubt.
# pocketsphinx's scores for the home's sentences: a clear "turn on the kitchen light" beats its
# "turn off" by 0.03 or more; a noisy "unlock the front door" and "lock the front door" tie.
MARGIN = 0.02
# Without scores (an engine that gives none): how many next-best hypotheses are weighed.
RIVALS = 4


def _meaning(match: IntentMatch) -> tuple[str, tuple[tuple[str, str], ...]]:
    """What a command does, for comparing hypotheses: its intent and the values it was given."""
    slots = tuple(sorted((k, str(v.value)) for k, v in match.slots.items()))
    return match.name, slots


class Doubts:
    def __init__(self, recognizers: Sequence[Recognizer], household: Household | None) -> None:
        self.templates = next((r for r in recognizers if r.tier == "template"), None)
        self.household = household

    def of(self, transcript: Transcript) -> bool:
        """Whether ``transcript`` (as chosen) must be read back before it is acted on."""
        if transcript.confidence is not None and transcript.confidence < LOW_CONFIDENCE:
            return True
        if self.templates is None or not transcript.text:
            return False
        chosen = self.templates.recognize(transcript.text, transcript.language)
        if chosen is None:
            return False
        if self._unseen_list(chosen) or self._unseen_items(chosen, transcript.language):
            return True
        meaning = _meaning(chosen)
        scores = dict(transcript.scored)
        mine = scores.get(transcript.text)
        for other in transcript.alternatives[:RIVALS] if mine is None else list(scores):
            if mine is not None and scores[other] < mine - MARGIN:
                continue
            rival = self.templates.recognize(other, transcript.language)
            if rival is not None and _meaning(rival) != meaning:
                return True
        return False

    def _unseen_items(self, match: IntentMatch, language: str) -> bool:
        said = match.text("item")
        if not said or self.household is None or match.name != "HassListAddItem":
            return False
        from homemind.skills.lists import split_items

        merchant = self.household.orders.merchant
        return any(
            not (self.household.lists.seen(item) or merchant.find(item, language))
            for item in split_items(said, language)
        )

    def _unseen_list(self, match: IntentMatch) -> bool:
        said = match.text("list_name")
        if not said or match.value("list_name") in ("shopping", "todo") or self.household is None:
            return False
        from homemind.household.lists import list_key

        try:
            key = list_key(said)
        except ActionError:
            return True
        return key not in ("shopping", "todo") and not self.household.lists.exists(said)
