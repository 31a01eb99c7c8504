// The login view, shown whenever the hub answers 401 (and at #/login): a member's id and
// web password (`homemind member passwd MEMBER`) to POST /api/login, which sets the
// session cookie. Too many failures and the hub answers 429 with how long to wait: said so here.
import { html, useState } from './ui.js';
import { api } from './api.js';

export function LoginView({ t, onLoggedIn }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(user, password);
      onLoggedIn();
    } catch (failure) {
      const wait = failure.status === 429 && failure.body && failure.body.retry_after;
      if (wait) {
        // The hub says how long: seconds after a few wrong tries, up to a quarter of an hour.
        const minutes = Math.ceil(wait / 60);
        setError(wait < 60 ? t('login.too_many_seconds', { n: wait }) : t('login.too_many_minutes', { n: minutes }));
      } else {
        const why = { 0: 'error.offline', 401: 'login.failed', 429: 'login.too_many' }[failure.status];
        setError(t(why || 'error.generic'));
      }
    } finally {
      setBusy(false);
    }
  }

  return html`<main class="login" id="main">
    <form class="login-form" onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title">${t('login.title')}</h1>
      <label for="login-user">${t('login.user')}</label>
      <input id="login-user" name="username" autocomplete="username" required value=${user}
        onInput=${(e) => setUser(e.currentTarget.value)} />
      <label for="login-password">${t('login.password')}</label>
      <input id="login-password" name="password" type="password" autocomplete="current-password" required
        value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} />
      <p class="error" role="alert">${error || ''}</p>
      <button type="submit" class="primary" disabled=${busy}>${t('login.submit')}</button>
    </form>
  </main>`;
}
