// The one place the vendored view library is imported: components import from here,
// so replacing Preact/htm later touches this file only.
import { h, render } from './vendor/preact.module.js';
import htm from './vendor/htm.module.js';

export { render };
export { useState, useEffect, useRef, useMemo, useCallback } from './vendor/hooks.module.js';
export const html = htm.bind(h);
