// The chat's microphone button: push to talk (hold it, speak, let go) or click to start
// and click again to send; Enter or Space do the same from the keyboard, Escape throws
// the recording away. The recording goes to the chat (onRecorded), which sends it to
// POST /api/voice in the chat's own conversation. When there is no microphone, or the
// browser or the member refused it, the button is disabled and the reason is shown.
import { html, useState, useRef, useEffect } from './ui.js';
import { MicError, startRecording, stopPlayback, unlockPlayback, unsupported } from './recorder.js';

// A press held longer than this is push-to-talk (letting go sends); a shorter one is a click.
const HOLD_MS = 500;
// Problems the member must fix outside the page; the button stays disabled until then.
const BLOCKING = new Set(['mic.denied', 'mic.none', 'mic.insecure', 'mic.unsupported']);

// Drawn, not emoji: a wall tablet may have no emoji font.
export function MicIcon({ size = 22 }) {
  return html`<svg viewBox="0 0 24 24" width=${size} height=${size} aria-hidden="true" focusable="false">
    <rect x="9" y="3" width="6" height="11" rx="3" fill="currentColor" />
    <path d="M6 11a6 6 0 0 0 12 0M12 17v4M8 21h8" fill="none" stroke="currentColor" stroke-width="2" />
  </svg>`;
}

export function SpeakerIcon({ size = 20 }) {
  return html`<svg viewBox="0 0 24 24" width=${size} height=${size} aria-hidden="true" focusable="false">
    <path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" />
    <path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" stroke-width="2" />
  </svg>`;
}

export function MicButton({ t, disabled, onRecorded }) {
  const [phase, setPhaseState] = useState('idle'); // idle, starting, recording, sending
  const [problem, setProblem] = useState(() => unsupported());
  const current = useRef('idle'); // the phase, for handlers that outlive a render
  const recording = useRef(null);
  const pressedAt = useRef(0);
  const fromPointer = useRef(false);
  const stopWhenOpen = useRef(false);
  const deliver = useRef(onRecorded);
  deliver.current = onRecorded; // the latest: a recording stopped by the 29 s limit started renders ago

  const setPhase = (value) => {
    current.current = value;
    setPhaseState(value);
  };

  useEffect(() => {
    // A microphone plugged in, or the permission granted in the browser's settings, lifts the block.
    const media = navigator.mediaDevices;
    const retry = () => setProblem((now) => (now === 'mic.none' || now === 'mic.denied' ? null : now));
    if (media && media.addEventListener) media.addEventListener('devicechange', retry);
    let status = null;
    if (navigator.permissions && navigator.permissions.query) {
      navigator.permissions
        .query({ name: 'microphone' })
        .then((answer) => {
          status = answer;
          if (answer.state === 'denied') setProblem('mic.denied');
          answer.onchange = () => (answer.state === 'denied' ? setProblem('mic.denied') : retry());
        })
        .catch(() => {}); // a browser that cannot say: getUserMedia will tell
    }
    return () => {
      if (media && media.removeEventListener) media.removeEventListener('devicechange', retry);
      if (status) status.onchange = null;
      if (recording.current) recording.current.cancel();
    };
  }, []);

  async function start() {
    if (current.current !== 'idle' || disabled || BLOCKING.has(problem)) return;
    unlockPlayback(); // in the gesture: the spoken reply may play later
    stopPlayback(); // and a reply still playing is not recorded
    setProblem(null);
    setPhase('starting');
    stopWhenOpen.current = false;
    try {
      recording.current = await startRecording({ onLimit: () => stop() });
    } catch (error) {
      setPhase('idle');
      setProblem(error instanceof MicError ? error.key : 'mic.failed');
      return;
    }
    setPhase('recording');
    if (stopWhenOpen.current) stop();
  }

  async function stop() {
    if (current.current === 'starting') {
      stopWhenOpen.current = true;
      return;
    }
    if (current.current !== 'recording') return;
    setPhase('sending');
    const taken = recording.current;
    recording.current = null;
    let wav;
    try {
      wav = await taken.stop();
    } catch (error) {
      setPhase('idle');
      setProblem('mic.failed');
      return;
    }
    try {
      await deliver.current(wav);
    } finally {
      setPhase('idle');
    }
  }

  function cancel() {
    if (current.current !== 'recording') return;
    recording.current.cancel();
    recording.current = null;
    setPhase('idle');
  }

  const toggle = () => (current.current === 'idle' ? start() : stop());
  const blocked = BLOCKING.has(problem);
  const status = problem
    ? t(problem)
    : phase === 'recording'
      ? t('mic.recording')
      : phase === 'sending'
        ? t('mic.thinking')
        : phase === 'starting'
          ? t('mic.starting')
          : '';

  return html`<button
      type="button"
      class=${`mic mic-${phase}`}
      aria-label=${t('mic.label')}
      aria-pressed=${phase === 'recording' ? 'true' : 'false'}
      aria-describedby="mic-status"
      disabled=${blocked || phase === 'sending' || (disabled && phase === 'idle')}
      onPointerDown=${(event) => {
        if (event.button !== 0) return;
        fromPointer.current = true;
        if (event.currentTarget.setPointerCapture) event.currentTarget.setPointerCapture(event.pointerId);
        if (current.current === 'idle') {
          pressedAt.current = Date.now();
          start();
        } else {
          pressedAt.current = 0;
          stop();
        }
      }}
      onPointerUp=${() => {
        const held = pressedAt.current && Date.now() - pressedAt.current >= HOLD_MS;
        pressedAt.current = 0;
        if (held) stop(); // push-to-talk: letting go sends
      }}
      onPointerCancel=${() => {
        pressedAt.current = 0;
        cancel();
      }}
      onClick=${(event) => {
        // A mouse or finger was handled on the way down; a click from the keyboard (detail 0) toggles.
        if (fromPointer.current && event.detail !== 0) {
          fromPointer.current = false;
          return;
        }
        fromPointer.current = false;
        toggle();
      }}
      onKeyDown=${(event) => {
        if (event.key === 'Escape') cancel();
      }}
    >
      <${MicIcon} />
    </button>
    <p id="mic-status" class=${`mic-status${problem ? ' problem' : ''}`} role="status">${status}</p>`;
}
