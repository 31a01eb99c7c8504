// The confirmation a card's sensitive action needs (unlock, disarm): the hub held the call
// (409 with a confirmation id), so the member confirms here, with their PIN (or the
// device's own code) when the hub asks for one, through POST /api/confirmations/{id}.
// A wrong PIN uses the confirmation up: the dialog stays open with the hub's words, and
// the next try asks the hub for a fresh hold first.
import { html, useEffect, useRef, useState } from './ui.js';
import { api } from './api.js';

/** A device code (PIN): digits only, hidden, offered to the phone's number pad. */
export function CodeInput({ id, value, onValue, inputRef }) {
  return html`<input
    id=${id}
    ref=${inputRef}
    type="password"
    inputmode="numeric"
    autocomplete="one-time-code"
    pattern="[0-9]{4,8}"
    minlength="4"
    maxlength="8"
    required
    autofocus
    value=${value}
    onInput=${(event) => onValue(event.currentTarget.value.replace(/\D/g, ''))}
  />`;
}

export function ConfirmDialog({ request, name, t, onDone, onClose }) {
  const dialog = useRef(null);
  const held = useRef(request.held);
  const [code, setCode] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const needsCode = request.held.needs === 'pin';
  const codeLabel = request.entity.code_format ? t('confirm.code') : t('confirm.pin');

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal(); // modal: focus is kept inside, Escape closes
    return () => element && element.open && element.close();
  }, []);

  async function confirm(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (!held.current) {
        const again = await api.callService(request.service, request.entity.entity_id, request.data);
        if (again.ok) return onDone(again.data.state);
        if (again.status !== 409) return setError(again.detail || t('error.generic'));
        held.current = again.data;
      }
      const result = await api.confirm(held.current.confirmation_id, needsCode ? code : null);
      if (result.ok) return onDone(result.data.state);
      held.current = result.status === 409 ? result.data : null;
      setCode('');
      setError(result.detail || t('error.generic'));
    } catch (failure) {
      setError(failure.status === 0 ? t('error.offline') : failure.detail || t('error.generic'));
    } finally {
      setBusy(false);
    }
  }

  return html`<dialog
    ref=${dialog}
    class="confirm"
    aria-labelledby="confirm-title"
    aria-describedby="confirm-error"
    onClose=${onClose}
  >
    <form onSubmit=${confirm}>
      <h2 id="confirm-title">${t(`confirm.${request.service}`, { name })}</h2>
      ${needsCode &&
      html`<label for="confirm-code">${codeLabel}</label>
        <${CodeInput} id="confirm-code" value=${code} onValue=${setCode} />`}
      <p id="confirm-error" class="error" role="alert">${error || ''}</p>
      <div class="row buttons">
        <button type="submit" class="primary warn" disabled=${busy}>${t('confirm.ok')}</button>
        <button type="button" onClick=${() => dialog.current.close()}>${t('confirm.cancel')}</button>
      </div>
    </form>
  </dialog>`;
}
