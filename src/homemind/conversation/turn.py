"""One turn of a conversation, after any confirmation: answer, undo, or command (maybe compound).

The order is fixed and each step is strict:

1. An open question ("which one?") reads the turn as its answer first (``answers.py``).
2. "Undo that" / "撤销" reverses the last change; "do that again" repeats it.
3. Otherwise the sentence is cut into parts (``splitting.py``), each read
   (``understanding.py``) and done in order: a part with a time or a condition is
   proposed as an automation (``schedule.py``), never done now.

What the turn leaves for the next one (context, question, undo) is written back to
``self.state``; the pipeline stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from homemind.conversation import undo
from homemind.conversation.answers import Verdict
from homemind.conversation.context import Context
from homemind.conversation.dialogue import DialogueState, Question, Undo
from homemind.conversation.understanding import DEVICE_INTENTS, Reading
from homemind.core import i18n
from homemind.household.errors import HouseholdError
from homemind.nlu.types import IntentMatch
from homemind.policy import Actor, Result
from homemind.skills import IntentRequest, PlannedCall, Reply, Status, act
from homemind.skills.lists import list_title

if TYPE_CHECKING:
    from homemind.conversation.pipeline import Conversation

i18n.register(
    {
        "conversation.part_not_understood": {
            "en": "I didn't understand “{part}”, so I did nothing for it.",
            "zh": "没听懂“{part}”，这部分没有执行。",
        },
        "question.again": {"en": "Sorry, {prompt}", "zh": "抱歉，{prompt}"},
        "question.dropped": {
            "en": "That wasn't one of the choices, so I've left it.",
            "zh": "这不是可选的一项，那就先不做了。",
        },
        "question.cancelled": {"en": "OK, I'll leave it.", "zh": "好的，那就不做了。"},
        "undo.nothing": {"en": "There is nothing to undo.", "zh": "没有可以撤销的操作。"},
        "undo.nothing_again": {"en": "There is nothing to do again.", "zh": "没有可以重做的操作。"},
        "undo.done": {"en": "Put back {names} as before.", "zh": "已把{names}恢复原样。"},
        "undo.again": {"en": "Did it again: {names}.", "zh": "已重新执行：{names}。"},
        "undo.list": {"en": "Took {items} off the {list} again.", "zh": "已把{items}从{list}删掉了。"},
    }
)


@dataclass
class Outcome:
    """What a turn did: the reply and the command it carried out (for the result and the context)."""

    reply: Reply
    match: IntentMatch | None = None
    acted: list[str] = field(default_factory=list)
    # Understood, but no skill serves it (a general question): a fallback may answer instead.
    unhandled: bool = False
    # What a household command made, for "and eggs" and "make it ten minutes" next turn.
    made: dict[str, Any] | None = None


class Turn:
    def __init__(
        self,
        conversation: Conversation,
        text: str,
        actor: Actor,
        language: str,
        state: DialogueState,
    ) -> None:
        self.c = conversation
        self.text = text
        self.actor = actor
        self.language = language
        self.state = state
        self.now = datetime.fromtimestamp(conversation.executor.clock(), UTC)
        if conversation.household is not None:
            self.now = conversation.household.local(conversation.executor.clock())

    async def run(self) -> tuple[list[Outcome], bool]:
        """The turn's outcomes, and whether anything was understood at all."""
        question, self.state.question = self.state.question, None
        if question is not None:
            answered = await self._answer(question)
            if answered is not None:
                return [answered], True
        direction = undo.wants(self.text)
        if direction is not None:
            return [await self._undo(direction)], True
        clause = self.c.understanding.clauses.find(self.text, self.language, self.now)
        if clause is not None and clause.steps and not clause.rest:
            # "If it will rain tomorrow, remind me …": only telling, read back like any schedule.
            outcome = await self._schedule_together([Reading(self.text, None, clause)], self.text)
            return [outcome], True
        readings = await self._readings()
        if all(r.match is None for r in readings):
            return [], False
        scheduled = [r for r in readings if r.clause is not None and r.match is not None]
        if len(scheduled) > 1 and len(scheduled) == len(readings):
            # One time or condition for several commands: one automation, read back once.
            outcome = await self._schedule_together(scheduled, self.text)
            self._remember([outcome])
            return [outcome], True
        outcomes = []
        for reading in readings:
            outcomes.append(await self.carry_out(reading))
        self._remember(outcomes)
        return outcomes, True

    # --- answers to the hub's own question ---------------------------------------------------

    async def _answer(self, question: Question) -> Outcome | None:
        answer = self.c.answers.read(self.text, question, self.language)
        if answer.verdict is Verdict.NEW_COMMAND:
            return None
        if answer.verdict is Verdict.CANCELLED:
            return Outcome(Reply(Status.ANSWERED, i18n.translate("question.cancelled", self.language)))
        if answer.verdict is Verdict.UNCLEAR:
            if question.tries >= 1:
                return Outcome(
                    Reply(Status.NOT_UNDERSTOOD, i18n.translate("question.dropped", self.language))
                )
            question.tries += 1
            self.state.question = question
            prompt = (
                question.prompt[:1].lower() + question.prompt[1:]
                if self.language == "en"
                else question.prompt
            )
            speech = i18n.translate("question.again", self.language, prompt=prompt)
            return Outcome(Reply(Status.NOT_UNDERSTOOD, speech, ask=question.ask))
        assert answer.match is not None
        reading = Reading(self.text, answer.match)
        scheduled_text = question.metadata.get("scheduled")
        part = question.metadata.get("part")
        if isinstance(scheduled_text, str) and isinstance(part, int):
            # One part of several scheduled together: the answer fills it, the rest stay as said.
            readings = await self._readings(scheduled_text)
            if 0 <= part < len(readings) and all(r.clause is not None and r.match for r in readings):
                readings[part].match = answer.match
                outcome = await self._schedule_together(readings, scheduled_text)
                self._remember([outcome])
                return outcome
            speech = i18n.translate("schedule.say_again", self.language)
            return Outcome(Reply(Status.NOT_UNDERSTOOD, speech))
        if isinstance(scheduled_text, str):
            # The question was about a scheduled command: the answer completes the schedule.
            clause = self.c.understanding.clauses.find(scheduled_text, question.language, self.now)
            if clause is None:  # never done now for want of its time
                speech = i18n.translate("schedule.say_again", self.language)
                return Outcome(Reply(Status.NOT_UNDERSTOOD, speech))
            reading = Reading(scheduled_text, answer.match, clause)
        outcome = await self.carry_out(reading)
        self._remember([outcome])
        return outcome

    # --- undo and redo -----------------------------------------------------------------------

    async def _undo(self, direction: str) -> Outcome:
        last = self.state.undo
        if last is not None and last.household is not None and direction == "back":
            return await self._undo_household(last.household)
        calls = (last.back if direction == "back" else last.again) if last is not None else []
        if not calls:
            key = "undo.nothing" if direction == "back" else "undo.nothing_again"
            return Outcome(Reply(Status.ANSWERED, i18n.translate(key, self.language)))
        match = IntentMatch(
            "HomemindUndo" if direction == "back" else "HomemindRedo", {}, "follow-up", self.language
        )
        home = self.c.home
        planned = [
            PlannedCall(home.entities[c.entity_id], c.service, dict(c.data))
            for c in calls
            if c.entity_id in home.entities
        ]
        before = self._snapshot()
        # Through act(), like any command: putting back an unlock asks for the PIN, as unlocking does.
        reply = await act(self._request(match), planned, "undo.done" if direction == "back" else "undo.again")
        if direction == "back" and any(a.result is Result.OK for a in reply.actions):
            self.state.undo = undo.undo_of(home, before, reply.actions, self.language)
        return Outcome(reply, match, [a.entity_id for a in reply.actions if a.result is Result.OK])

    async def _undo_household(self, made: dict[str, Any]) -> Outcome:
        """Take back the last household change: the items just added, the timer just started."""
        match = IntentMatch("HomemindUndo", {}, "follow-up", self.language)
        house, actor = self.c.household, replace(self.actor, intent=match.name)
        self.state.undo = None
        try:
            if house is not None and made.get("list"):
                change = house.lists.remove(actor, made["list"], list(made.get("items") or []))
                title = list_title(change.list, self.language)
                speech = i18n.translate("undo.list", self.language, items=change.changed, list=title)
                return Outcome(Reply(Status.DONE, speech), match)
            if house is not None and made.get("timer_id") is not None:
                timer = house.timers.cancel(actor, int(made["timer_id"]))
                name = f"{timer.name} " if timer.name and self.language == "en" else (timer.name or "")
                speech = i18n.translate("timer.cancelled", self.language, name=name)
                return Outcome(Reply(Status.DONE, speech), match)
        except HouseholdError as exc:
            status = Status.REFUSED if exc.refusal else Status.ERROR
            return Outcome(Reply(status, exc.message(self.language)), match)
        return Outcome(Reply(Status.ANSWERED, i18n.translate("undo.nothing", self.language)), match)

    # --- commands -----------------------------------------------------------------------------

    async def _schedule_together(self, scheduled: list[Reading], text: str) -> Outcome:
        """Several commands under one time or condition; a part asking "which one?" is kept with it."""
        reply, asked = await self.c.schedules.propose(scheduled, self.actor, self.language, self.now, text)
        match = scheduled[0].match
        if reply.ask is not None and asked is not None:
            part = scheduled[asked].match
            assert part is not None
            match = replace(part, metadata={**part.metadata, "scheduled": text, "part": asked})
        return Outcome(reply, match)

    async def _readings(self, text: str | None = None) -> list[Reading]:
        """The turn's commands (or, for an answer, those of the sentence the question was about)."""
        text = self.text if text is None else text
        u = self.c.understanding
        whole_template = self._template(text)
        if whole_template is not None and whole_template.name not in DEVICE_INTENTS:
            # "Add eggs and milk to the shopping list": the template knows it whole; never cut.
            return [await u.read(text, self.language, self.state.context, self.actor.area, self.now)]
        clause = u.clauses.find(text, self.language, self.now)
        if clause is not None and clause.rest:
            # "Turn on the kitchen and living room lights every day at 7pm": the time is for
            # every part, and no part may act now.
            readings = await self._parts(clause.rest, None)
            if any(r.match is not None and r.match.name in DEVICE_INTENTS for r in readings):
                for reading in readings:
                    reading.clause = clause
                return readings
        readings = await self._parts(text, whole_template)
        if len(readings) > 1 and whole_template is not None and any(r.match is None for r in readings):
            return [await u.read(text, self.language, self.state.context, self.actor.area, self.now)]
        return readings

    async def _parts(self, text: str, whole_template: IntentMatch | None) -> list[Reading]:
        """Each part of a (maybe compound) command, read in order; a part naming only targets borrows."""
        u = self.c.understanding
        pieces = self.c.splitter.pieces(text, self.language, self._template)
        readings: list[Reading] = []
        for index, piece in enumerate(pieces):
            donor = readings[-1].match if readings else None
            context = Context.of(donor) if donor is not None else (self.state.context if index == 0 else None)
            if len(pieces) > 1 and not self.c.splitter.has_verb(piece):
                readings.append(Reading(piece, None))  # only targets: borrowed from a neighbour below
                continue
            reading = await u.read(piece, self.language, context, self.actor.area, self.now)
            if donor is not None and reading.match is not None and reading.match.tier == "follow-up":
                reading.match = replace(reading.match, tier=donor.tier)  # within the sentence
            readings.append(reading)
        for index, reading in enumerate(readings):
            if reading.match is None and len(readings) > 1:
                self._borrow(readings, index)
        return readings

    def _borrow(self, readings: list[Reading], index: int) -> None:
        """A part naming only targets takes its command from a neighbour (the next one first in Chinese)."""
        order = [index + 1, index - 1] if self.language == "zh" else [index - 1, index + 1]
        for other in order:
            if 0 <= other < len(readings) and readings[other].match is not None:
                donor = readings[other].match
                assert donor is not None
                found = self.c.splitter.borrow(readings[index].text, self.language, donor)
                if found is not None:
                    readings[index].match = self.c.understanding.here(found, self.actor.area)
                    readings[index].clause = readings[index].clause or readings[other].clause
                    return

    def _template(self, text: str) -> IntentMatch | None:
        templates = next((r for r in self.c.recognizers if r.tier == "template"), None)
        return templates.recognize(text, self.language) if templates is not None else None

    async def carry_out(self, reading: Reading) -> Outcome:
        match = reading.match
        if match is None:
            speech = i18n.translate(
                "conversation.part_not_understood", self.language, part=reading.text.strip()
            )
            return Outcome(Reply(Status.NOT_UNDERSTOOD, speech))
        if reading.doubt is not None:
            # "给我点光吧": the lights, but which? Asked; the answer completes this same command.
            speech = i18n.translate(reading.doubt.key, self.language)
            reply = Reply(Status.NOT_UNDERSTOOD, speech, ask=reading.doubt.ask)
            return Outcome(reply, self._kept_with_clause(reading, match))
        if reading.clause is not None and match.name in DEVICE_INTENTS:
            actor = replace(self.actor, intent=match.name)
            reply, _ = await self.c.schedules.propose([reading], actor, self.language, self.now, self.text)
            return Outcome(reply, self._kept_with_clause(reading, match) if reply.ask is not None else match)
        handler = self.c.handlers.get(match.name)
        if handler is None:
            reply = Reply(Status.NOT_UNDERSTOOD, i18n.translate("conversation.no_handler", self.language))
            return Outcome(reply, match, unhandled=True)
        before = self._snapshot() if match.name in DEVICE_INTENTS else {}
        reply = await self.c.handle(handler, self._request(match))
        acted = [a.entity_id for a in reply.actions if a.result in (Result.OK, Result.NEEDS_CONFIRMATION)]
        if reply.made and reply.status is Status.DONE:
            self.state.undo = Undo([], [], self.language, household=dict(reply.made))
            return Outcome(reply, match, acted, made=dict(reply.made))
        if before and any(a.result is Result.OK for a in reply.actions):
            self.state.undo = undo.undo_of(self.c.home, before, reply.actions, self.language)
        return Outcome(reply, match, acted)

    def _kept_with_clause(self, reading: Reading, match: IntentMatch) -> IntentMatch:
        """A question about a command with a time or condition keeps them, so that the answer is
        scheduled, never done now."""
        if reading.clause is None:
            return match
        own = reading.clause.said.casefold() in reading.text.casefold()
        said = reading.text if own else self.text
        return replace(match, metadata={**match.metadata, "scheduled": said})

    def _request(self, match: IntentMatch) -> IntentRequest:
        actor = replace(self.actor, intent=match.name)
        return IntentRequest(
            match,
            actor,
            self.language,
            self.c.home,
            self.c.states,
            self.c.executor,
            household=self.c.household,
        )

    def _snapshot(self) -> dict[str, Any]:
        """Every device's state before a command, for its undo: one copy of the table (states
        are replaced, never changed in place), not a lookup per device of a big home."""
        return self.c.states.all()

    def _remember(self, outcomes: list[Outcome]) -> None:
        """The context and the open question this turn leaves for the next."""
        acted = [e for o in outcomes for e in o.acted]
        for outcome in reversed(outcomes):
            if outcome.match is None:
                continue
            if outcome.reply.ask is not None and self.state.question is None:
                self.state.question = Question.of(outcome.reply.ask, outcome.match, outcome.reply.speech)
            ok = outcome.reply.status in (Status.DONE, Status.ANSWERED, Status.NEEDS_CONFIRMATION)
            context = Context.of(outcome.match, acted or outcome.acted, outcome.made) if ok else None
            if context is not None:
                self.state.context = context
                break
