// The dashboard's shell: who is here (/api/me), the language, a hash router, the live
// stream, and the views. Every request goes through api.js.
import { html, render, useState, useEffect, useMemo, useCallback } from './ui.js';
import { api, onUnauthorized, subscribe, Unauthorized } from './api.js';
import { LANGUAGES, pick, storedLanguage, storeLanguage, translator } from './i18n.js';
import { Card } from './cards.js';
import { Chat } from './chat.js';
import { ConfirmDialog } from './confirm.js';
import { LoginView } from './login.js';

const isAdmin = (me) => me && me.role === 'admin';

// The pages. `allow` decides who sees a page (the hub enforces it again on every call).
// PHASE 2 (issue 3): { path: '/lists', ... }, '/timers', '/alarms', '/reminders',
//   '/calendar', and '/approvals' (allow: members who approve orders).
// PHASE 2 (issue 6): '/admin/members' and '/admin/audit' with allow: isAdmin, so a
//   child's login never sees them (and the API answers 403 if it tries).
export const ROUTES = [
  { path: '/', label: 'nav.home', view: HomeView, allow: () => true },
];
void isAdmin;

function useHashPath() {
  const read = () => (location.hash.replace(/^#/, '') || '/').split('?')[0];
  const [path, setPath] = useState(read);
  useEffect(() => {
    const follow = () => setPath(read());
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return path;
}

function LanguageSwitch({ language, setLanguage, t }) {
  const names = { en: 'English', zh: '中文' };
  return html`<div class="language" role="group" aria-label=${t('language.label')}>
    ${LANGUAGES.map(
      (code) => html`<button
        type="button"
        lang=${code}
        aria-pressed=${code === language ? 'true' : 'false'}
        onClick=${() => setLanguage(code)}
      >${names[code]}</button>`,
    )}
  </div>`;
}

function Notice({ notice, t, onDismiss }) {
  return html`<div class="notice" role="status" aria-live="polite">
    ${notice &&
    html`<p class=${`notice-${notice.kind}`}>
      <span>${notice.text}</span>
      <button type="button" aria-label=${t('notice.dismiss')} onClick=${onDismiss}>×</button>
    </p>`}
  </div>`;
}

function HomeView({ t, language, areas, entities, act }) {
  const groups = useMemo(() => {
    const byArea = new Map(areas.map((area) => [area.id, { area, items: [] }]));
    const other = { area: { id: '_other', name: null }, items: [] };
    for (const entity of Object.values(entities)) {
      (byArea.get(entity.area) || other).items.push(entity);
    }
    return [...byArea.values(), other].filter((group) => group.items.length > 0);
  }, [areas, entities]);

  return html`<div class="home">
    <${Chat} t=${t} language=${language} entities=${entities} />
    <div class="areas">
      ${groups.map(
        ({ area, items }) => html`<section class="area" key=${area.id} aria-labelledby=${`area-${area.id}`}>
          <h2 id=${`area-${area.id}`}>${area.name ? pick(area.name, language) : t('area.other')}</h2>
          <div class="cards">
            ${items.map(
              (entity) => html`<${Card}
                key=${entity.entity_id}
                entity=${entity}
                name=${pick(entity.name, language)}
                t=${t}
                act=${(service, data) => act(entity, service, data)}
              />`,
            )}
          </div>
        </section>`,
      )}
    </div>
  </div>`;
}

function App() {
  const [me, setMe] = useState(null);
  const [chosen, setChosen] = useState(storedLanguage);
  const [areas, setAreas] = useState([]);
  const [entities, setEntities] = useState({});
  const [needLogin, setNeedLogin] = useState(false);
  const [live, setLive] = useState(false);
  const [confirming, setConfirming] = useState(null);
  const [notice, setNotice] = useState(null);
  const path = useHashPath();

  // The member's own language unless this device was switched to another.
  // Before the hub says who this is (the login view), the browser's own language.
  const browser = (navigator.language || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
  const language = chosen || (me && LANGUAGES.includes(me.language) ? me.language : null) || browser;
  const t = useMemo(() => translator(language), [language]);
  useEffect(() => {
    document.documentElement.lang = language === 'zh' ? 'zh-CN' : language;
    document.title = t('app.title');
  }, [language, t]);

  const merge = useCallback((state) => {
    setEntities((current) =>
      current[state.entity_id] ? { ...current, [state.entity_id]: { ...current[state.entity_id], ...state } } : current,
    );
  }, []);

  const reload = useCallback(async () => {
    try {
      const [who, areaList, entityList] = await Promise.all([api.me(), api.areas(), api.entities()]);
      setMe(who);
      setAreas(areaList);
      setEntities(Object.fromEntries(entityList.map((e) => [e.entity_id, e])));
      setNeedLogin(false);
    } catch (error) {
      if (!(error instanceof Unauthorized)) setNotice({ kind: 'error', text: t('error.offline') });
    }
  }, [t]);

  useEffect(() => onUnauthorized(() => setNeedLogin(true)), []);
  useEffect(() => {
    if (needLogin) return undefined;
    reload();
    return subscribe({
      ready: () => {
        setLive(true);
        reload(); // catch up on whatever changed while the stream was down
      },
      change: (event) => merge(event.data.new_state),
      down: () => setLive(false),
    });
  }, [needLogin]);

  const act = useCallback(
    async (entity, service, data = {}) => {
      try {
        const result = await api.callService(service, entity.entity_id, data, false);
        if (result.ok) merge(result.data.state);
        else if (result.status === 409) setConfirming({ entity, service, data });
        else setNotice({ kind: 'error', text: result.detail || t('error.generic') });
      } catch (error) {
        if (!(error instanceof Unauthorized)) setNotice({ kind: 'error', text: t('error.offline') });
      }
    },
    [merge, t],
  );

  const setLanguage = (code) => {
    storeLanguage(code);
    setChosen(code);
  };

  if (needLogin || path === '/login') {
    return html`<${LoginView} t=${t} onLoggedIn=${() => { location.hash = '#/'; setNeedLogin(false); }} />`;
  }

  const route = ROUTES.find((r) => r.path === path) || ROUTES[0];
  const allowed = route.allow(me);
  const visible = ROUTES.filter((r) => r.allow(me));
  const View = route.view;
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>${t('nav.skip')}</a>
    <header class="top">
      <h1>${t('app.title')}</h1>
      ${visible.length > 1 &&
      html`<nav aria-label=${t('nav.label')}>
        ${visible.map((r) => html`<a href=${`#${r.path}`} aria-current=${r === route ? 'page' : undefined}>${t(r.label)}</a>`)}
      </nav>`}
      <span class=${`live ${live ? 'is-live' : ''}`} role="status" aria-label=${live ? t('live.on') : t('live.off')}
        title=${live ? t('live.on') : t('live.off')}></span>
      ${me && html`<span class="who">${pick(me.name, language)}</span>`}
      <${LanguageSwitch} language=${language} setLanguage=${setLanguage} t=${t} />
    </header>
    <${Notice} notice=${notice} t=${t} onDismiss=${() => setNotice(null)} />
    <main id="main" tabindex="-1">
      ${allowed
        ? html`<${View} t=${t} language=${language} areas=${areas} entities=${entities} act=${act} me=${me} />`
        : html`<p class="error">${t('nav.forbidden')}</p>`}
    </main>
    ${confirming &&
    html`<${ConfirmDialog}
      request=${confirming}
      name=${pick(confirming.entity.name, language)}
      t=${t}
      onDone=${(state) => { merge(state); setConfirming(null); }}
      onClose=${() => setConfirming(null)}
    />`}
  `;
}

const root = document.getElementById('app');
root.textContent = ''; // the loading line
render(html`<${App} />`, root);
