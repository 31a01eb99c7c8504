// The confirmation a card's sensitive action needs (unlock, disarm): the hub said 409,
// so the member confirms here, with the device's code when it has one, and the call is
// sent again with confirm=true. A wrong code keeps the dialog open with the hub's words.
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
  const [code, setCode] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const needsCode = Boolean(request.entity.code_format);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal(); // modal: focus is kept inside, Escape closes
    return () => element && element.open && element.close();
  }, []);

  async function confirm(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const data = needsCode ? { ...request.data, code } : request.data;
    try {
      const result = await api.callService(request.service, request.entity.entity_id, data, true);
      if (result.ok) onDone(result.data.state);
      else setError(result.detail || t('error.generic'));
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
      html`<label for="confirm-code">${t('confirm.code')}</label>
        <${CodeInput} id="confirm-code" value=${code} onValue=${setCode} />`}
      <p id="confirm-error" class="error" role="alert">${error || ''}</p>
      <div class="row buttons">
        <button type="submit" class="primary warn" disabled=${busy}>${t('confirm.ok')}</button>
        <button type="button" onClick=${() => dialog.current.close()}>${t('confirm.cancel')}</button>
      </div>
    </form>
  </dialog>`;
}
