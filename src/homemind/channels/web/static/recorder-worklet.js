// The microphone's audio thread: each render quantum (128 frames) is downmixed to mono
// and handed to the page in batches of about a quarter of a second, so the main thread
// gets a few messages a second rather than hundreds. Loaded by recorder.js through
// audioWorklet.addModule (a file of its own: the CSP allows scripts from the hub only).
const BATCH = 4096;

class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.buffer = new Float32Array(BATCH);
    this.filled = 0;
    this.port.onmessage = (event) => {
      if (event.data === 'flush') {
        this.port.postMessage(this.buffer.slice(0, this.filled));
        this.filled = 0;
        this.port.postMessage('flushed');
      }
    };
  }

  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true; // no input yet (or a silent source)
    const frames = channels[0].length;
    for (let i = 0; i < frames; i += 1) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.buffer[this.filled] = sum / channels.length;
      this.filled += 1;
      if (this.filled === BATCH) {
        this.port.postMessage(this.buffer);
        this.buffer = new Float32Array(BATCH);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('homemind-capture', Capture);
