// Recording a spoken command in the browser and playing the hub's spoken reply.
//
// The hub's POST /api/voice takes a 16-bit PCM WAV (8-48 kHz, mono or stereo, at most
// 30 s); MediaRecorder only gives compressed containers (webm/ogg), so the microphone
// goes through the Web Audio API instead: an AudioWorklet (recorder-worklet.js) hands
// over mono float samples, and encodeWav below writes the WAV. The WAV header is a
// few lines of DataView: a library (and a build step) for 44 bytes would be the larger cost.

/** Why recording cannot start: a message key for each, in both catalogues. */
export class MicError extends Error {
  constructor(key) {
    super(key);
    this.key = key;
  }
}

// The hub refuses recordings over 30 s; stop a little before, so the upload is never refused.
export const MAX_SECONDS = 29;
const RATE = 16000; // what the hub's decoder works at: the smallest upload, no resampling there
const HIGHEST_RATE = 48000; // the hub accepts 8-48 kHz

/** What the browser itself lacks (an insecure page has no navigator.mediaDevices), or null. */
export function unsupported() {
  if (!window.isSecureContext) return 'mic.insecure';
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return 'mic.unsupported';
  if (typeof AudioWorkletNode === 'undefined') return 'mic.unsupported';
  return null;
}

function micError(error) {
  const name = error && error.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return new MicError('mic.denied');
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return new MicError('mic.none');
  if (name === 'NotReadableError' || name === 'AbortError') return new MicError('mic.busy');
  return new MicError('mic.failed');
}

async function contextFor(stream) {
  // 16 kHz where the browser resamples the microphone itself (Chromium does); a browser
  // that cannot connect a stream to a context of another rate gets its own rate.
  for (const options of [{ sampleRate: RATE }, {}]) {
    let context;
    try {
      context = new AudioContext(options);
      const source = context.createMediaStreamSource(stream);
      return { context, source };
    } catch (error) {
      if (context) context.close();
    }
  }
  throw new MicError('mic.failed');
}

/**
 * Start recording from the microphone. Resolves, once the microphone is open, to
 * `{ stop(): Promise<Blob>, cancel() }`; `stop` gives the WAV. Rejects with MicError.
 * `onLimit` is called when MAX_SECONDS have been recorded (the caller stops then).
 */
export async function startRecording({ onLimit } = {}) {
  const missing = unsupported();
  if (missing) throw new MicError(missing);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
  } catch (error) {
    throw micError(error);
  }
  const release = () => stream.getTracks().forEach((track) => track.stop());
  let context;
  let node;
  try {
    const opened = await contextFor(stream);
    context = opened.context;
    await context.audioWorklet.addModule(new URL('./recorder-worklet.js', import.meta.url));
    node = new AudioWorkletNode(context, 'homemind-capture', { numberOfOutputs: 0 });
    opened.source.connect(node);
    if (context.state === 'suspended') await context.resume();
  } catch (error) {
    release();
    if (context) context.close();
    throw error instanceof MicError ? error : new MicError('mic.failed');
  }
  const chunks = [];
  let samples = 0;
  let limited = false;
  let flushed = null;
  node.port.onmessage = (event) => {
    if (event.data === 'flushed') {
      if (flushed) flushed();
      return;
    }
    chunks.push(event.data);
    samples += event.data.length;
    if (!limited && samples >= MAX_SECONDS * context.sampleRate) {
      limited = true;
      if (onLimit) onLimit();
    }
  };
  const close = () => {
    node.port.onmessage = null;
    release();
    context.close();
  };
  return {
    async stop() {
      // The last partial batch is still in the audio thread: ask for it, then close.
      await new Promise((resolve) => {
        flushed = resolve;
        node.port.postMessage('flush');
      });
      const rate = context.sampleRate;
      close();
      return encodeWav(joined(chunks), rate);
    },
    cancel: close,
  };
}

function joined(chunks) {
  const all = new Float32Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

/** Mono float samples -> a 16-bit PCM WAV Blob (a rate above 48 kHz is halved until it fits). */
export function encodeWav(samples, rate) {
  let pcm = samples;
  while (rate > HIGHEST_RATE) {
    // Averaging pairs: a crude low-pass, enough for speech far below the new Nyquist.
    const half = new Float32Array(Math.floor(pcm.length / 2));
    for (let i = 0; i < half.length; i += 1) half[i] = (pcm[2 * i] + pcm[2 * i + 1]) / 2;
    pcm = half;
    rate /= 2;
  }
  rate = Math.round(rate);
  const view = new DataView(new ArrayBuffer(44 + pcm.length * 2));
  const text = (at, value) => [...value].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + pcm.length * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true); // the fmt chunk's size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // bytes a second
  view.setUint16(32, 2, true); // bytes a frame
  view.setUint16(34, 16, true); // bits a sample
  text(36, 'data');
  view.setUint32(40, pcm.length * 2, true);
  for (let i = 0; i < pcm.length; i += 1) {
    const s = Math.max(-1, Math.min(1, pcm[i]));
    view.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Blob([view.buffer], { type: 'audio/wav' });
}

// One output context for replies, made on the first click (browsers let a page make
// sound only after a gesture) and kept: the reply arrives after the upload, not in the click.
let player = null;
let playing = null;

/** Call from a click handler: makes sure a later reply may be played. */
export function unlockPlayback() {
  try {
    if (!player) player = new AudioContext();
  } catch (error) {
    return; // no way to make sound here: the reply is still shown as text
  }
  if (player.state === 'suspended') player.resume().catch(() => {});
}

/** Stop the reply being played, if any (the member starts speaking again). */
export function stopPlayback() {
  if (playing) playing.stop();
}

/**
 * Play a base64 WAV through Web Audio (the CSP has no media-src for data: URLs, and
 * none is needed); resolves when it has finished (or was stopped), rejects if it cannot be decoded.
 */
export async function playWav(base64) {
  unlockPlayback();
  stopPlayback();
  if (!player) throw new Error('no audio output');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const buffer = await player.decodeAudioData(bytes.buffer);
  const source = player.createBufferSource();
  source.buffer = buffer;
  source.connect(player.destination);
  playing = source;
  await new Promise((resolve) => {
    source.onended = resolve;
    source.start();
  });
  if (playing === source) playing = null;
}
