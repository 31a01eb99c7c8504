// The chat box: what the member types goes to /api/conversation as it is; the reply,
// what was done (the result's `actions`) and, when the hub asks, a yes/no pair or a
// PIN field (a password field; the transcript shows •••• in its place), answered in a
// turn of its own as the hub requires. The microphone button (mic.js) sends a spoken
// command to /api/voice in the same conversation: what the hub heard shows as the
// member's message (marked as spoken), the reply as the hub's, and the reply is played.
import { html, useState, useRef, useEffect } from './ui.js';
import { api, ApiError } from './api.js';
import { CodeInput } from './confirm.js';
import { pick } from './i18n.js';
import { MicButton, MicIcon, SpeakerIcon } from './mic.js';
import { playWav } from './recorder.js';

// Answers the conversation pipeline understands, in the language of the question
// (they are protocol words, not UI text: the pipeline's yes/no patterns must match them).
const ANSWERS = { en: { yes: 'yes', no: 'no' }, zh: { yes: '确认', no: '取消' } };

function ActionList({ actions, t, language, entities }) {
  if (!actions || actions.length === 0) return null;
  return html`<ul class="actions" aria-label=${t('chat.actions')}>
    ${actions.map((action) => {
      const entity = entities[action.entity_id];
      const name = entity ? pick(entity.name, language) : action.entity_id;
      const service = t(`service.${action.service}`);
      return html`<li class=${`action result-${action.result}`} data-entity=${action.entity_id}>
        <span class="what">${name}: ${service === `service.${action.service}` ? action.service : service}</span>
        <span class="result">${t(`result.${action.result}`)}</span>
        ${action.error && html`<span class="error">${action.error}</span>`}
      </li>`;
    })}
  </ul>`;
}

function CodeForm({ t, onCode, onCancel }) {
  const [code, setCode] = useState('');
  const input = useRef(null);
  useEffect(() => input.current && input.current.focus(), []);
  return html`<form
    class="code-form"
    onSubmit=${(event) => {
      event.preventDefault();
      if (/^[0-9]{4,8}$/.test(code)) onCode(code);
    }}
  >
    <label for="chat-code">${t('chat.code')}</label>
    <${CodeInput} id="chat-code" inputRef=${input} value=${code} onValue=${setCode} />
    <button type="submit">${t('chat.send_code')}</button>
    <button type="button" onClick=${onCancel}>${t('chat.no')}</button>
  </form>`;
}

export function Chat({ t, language, entities }) {
  const [log, setLog] = useState([]);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [conversationId, setConversationId] = useState(null);
  const [question, setQuestion] = useState(null); // the reply that asked to confirm
  const end = useRef(null);
  const box = useRef(null);
  const spoken = useRef(0); // ids of the replies that came with audio

  useEffect(() => end.current && end.current.scrollIntoView({ block: 'nearest' }), [log]);

  const failed = (error) => {
    const detail = error instanceof ApiError && error.status !== 0 ? error.detail : t('error.offline');
    setLog((entries) => [...entries, { from: 'hub', status: 'error', response: detail || t('error.generic') }]);
  };

  async function send(message, { shown = message, replyLanguage = null } = {}) {
    // A PIN typed into the main box while the hub waits for one is hidden just the same.
    if (question && question.needs_code && /^\s*[0-9]{4,8}\s*$/.test(message)) shown = '••••';
    setBusy(true);
    setQuestion(null);
    setLog((entries) => [...entries, { from: 'me', text: shown }]);
    try {
      const reply = await api.converse(message, { conversationId, language: replyLanguage });
      setConversationId(reply.conversation_id);
      setLog((entries) => [...entries, { from: 'hub', ...reply }]);
      if (reply.status === 'needs_confirmation') setQuestion(reply);
    } catch (error) {
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  const setAudio = (id, audio) =>
    setLog((entries) => entries.map((entry) => (entry.audioId === id ? { ...entry, audio } : entry)));

  async function play(id, wav) {
    setAudio(id, 'playing');
    try {
      await playWav(wav);
      setAudio(id, 'played');
    } catch (error) {
      setAudio(id, 'failed');
    }
  }

  /** A recording from the microphone: the same conversation, so a "yes" or a PIN can be spoken. */
  async function sendVoice(wav) {
    const asked = question;
    setBusy(true);
    setQuestion(null);
    try {
      // The transcript is shown once, in the member's bubble (or not at all, when it is a PIN).
      const { reply_audio: replyAudio, transcript, ...reply } = await api.voice(wav, { conversationId });
      setConversationId(reply.conversation_id);
      const heard = transcript ? (asked && asked.needs_code ? '••••' : transcript) : t('chat.heard_nothing');
      const id = (spoken.current += 1);
      setLog((entries) => [
        ...entries,
        { from: 'me', text: heard, spoken: true },
        { from: 'hub', ...reply, audioId: id, wav: replyAudio, audio: replyAudio ? 'playing' : null },
      ]);
      if (reply.status === 'needs_confirmation') setQuestion(reply);
      else if (!transcript) setQuestion(asked); // nothing was said: the question still stands
      if (replyAudio) play(id, replyAudio);
    } catch (error) {
      setQuestion(asked); // the hub refused the audio before it reached the conversation
      failed(error);
    } finally {
      setBusy(false);
    }
  }

  function answer(which) {
    const words = ANSWERS[question.language] || ANSWERS.en;
    send(words[which], { replyLanguage: question.language });
    if (box.current) box.current.focus();
  }

  return html`<section class="chat" aria-labelledby="chat-heading">
    <h2 id="chat-heading">${t('chat.title')}</h2>
    <div class="chat-log" role="log" aria-live="polite" aria-label=${t('chat.log')} tabindex="0">
      ${log.length === 0 && html`<p class="hint">${t('chat.hint')}</p>`}
      ${log.map(
        (entry, index) => html`<div
          key=${index}
          class=${`bubble from-${entry.from} status-${entry.status || 'sent'}${entry.spoken ? ' spoken' : ''}`}
          data-audio=${entry.audio || undefined}
        >
          <p lang=${entry.language || undefined}>
            ${entry.spoken &&
            html`<span class="visually-hidden">${t('chat.spoken')}: </span
              ><span class="spoken-mark"><${MicIcon} size=${14} /></span>`}${entry.from === 'me' ? entry.text : entry.response}
          </p>
          ${entry.from === 'hub' &&
          html`<${ActionList} actions=${entry.actions} t=${t} language=${language} entities=${entities} />`}
          ${entry.wav &&
          html`<button
            type="button"
            class="replay"
            aria-label=${t('chat.play_reply')}
            disabled=${entry.audio === 'playing'}
            onClick=${() => play(entry.audioId, entry.wav)}
          >
            <${SpeakerIcon} />
          </button>`}
        </div>`,
      )}
      <div ref=${end}></div>
    </div>
    ${question &&
    !question.needs_code &&
    html`<div class="confirm-bar" role="group" aria-label=${t('chat.confirm')}>
      <button type="button" class="primary" onClick=${() => answer('yes')}>${t('chat.yes')}</button>
      <button type="button" onClick=${() => answer('no')}>${t('chat.no')}</button>
    </div>`}
    ${question &&
    question.needs_code &&
    html`<${CodeForm}
      t=${t}
      onCode=${(code) => send(code, { shown: '••••', replyLanguage: question.language })}
      onCancel=${() => answer('no')}
    />`}
    <form
      class="chat-form"
      onSubmit=${(event) => {
        event.preventDefault();
        const message = text.trim();
        if (!message || busy) return;
        setText('');
        send(message);
      }}
    >
      <label for="chat-input" class="visually-hidden">${t('chat.input')}</label>
      <input
        id="chat-input"
        ref=${box}
        type="text"
        autocomplete="off"
        maxlength="1000"
        placeholder=${t('chat.placeholder')}
        value=${text}
        onInput=${(event) => setText(event.currentTarget.value)}
      />
      <button type="submit" disabled=${busy}>${t('chat.send')}</button>
      <${MicButton} t=${t} disabled=${busy} onRecorded=${sendVoice} />
    </form>
  </section>`;
}
