// The dashboard's shell: who is here (/api/me), the language, a hash router, the live
// stream, and the views. Every request goes through api.js.
import { html, render, useState, useEffect, useMemo, useCallback, useRef } from './ui.js';
import { api, onUnauthorized, subscribe, Unauthorized } from './api.js';
import { LANGUAGES, pick, storedLanguage, storeLanguage, translator } from './i18n.js';
import { Card } from './cards.js';
import { Chat } from './chat.js';
import { ConfirmDialog } from './confirm.js';
import { LoginView } from './login.js';
import { ListsView, TimersView, CalendarView, ApprovalsView, MembersView, AuditView } from './pages.js';
import { AlertBanner, EnergyView, WeatherBadge } from './outdoors.js';
import { DocumentsView } from './documents.js';
import { AutomationsView } from './automations.js';
import { CareBanner, CareView } from './care.js';

const isAdmin = (me) => Boolean(me) && me.role === 'admin';
const approves = (me) => Boolean(me) && (me.role === 'admin' || me.role === 'adult');
const member = (me) => Boolean(me) && me.role !== 'guest';

// The pages. `allow` decides who sees a page (the hub enforces it again on every call:
// a child's session asking for /api/members gets 403 whatever the page shows).
// `household: true` pages are re-read every few seconds while open.
export const ROUTES = [
  { path: '/', label: 'nav.home', view: HomeView, allow: () => true },
  { path: '/lists', label: 'nav.lists', view: ListsView, allow: member, household: true },
  { path: '/timers', label: 'nav.timers', view: TimersView, allow: member, household: true },
  { path: '/calendar', label: 'nav.calendar', view: CalendarView, allow: member, household: true },
  { path: '/approvals', label: 'nav.approvals', view: ApprovalsView, allow: approves, household: true },
  { path: '/energy', label: 'nav.energy', view: EnergyView, allow: member, household: true },
  { path: '/documents', label: 'nav.documents', view: DocumentsView, allow: () => true },
  { path: '/automations', label: 'nav.automations', view: AutomationsView, allow: member, household: true },
  { path: '/care', label: 'nav.care', view: CareView, allow: member, household: true },
  { path: '/admin/members', label: 'nav.members', view: MembersView, allow: isAdmin },
  { path: '/admin/audit', label: 'nav.audit', view: AuditView, allow: isAdmin },
];
const REFRESH_MS = 5000;
const TOASTS = 3;

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

function Toasts({ toasts, t, onDismiss }) {
  return html`<div class="toasts" role="status" aria-live="polite" aria-label=${t('inbox.title')}>
    ${toasts.map(
      (toast) => html`<p class="toast" key=${toast.id} data-kind=${toast.kind}>
        <span>${toast.text}</span>
        <button type="button" aria-label=${t('notice.dismiss')} onClick=${() => onDismiss(toast.id)}>×</button>
      </p>`,
    )}
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
  const [toasts, setToasts] = useState([]);
  const [version, setVersion] = useState(0); // bumped when the household pages should re-read
  const path = useHashPath();
  const bump = useCallback(() => setVersion((v) => v + 1), []);

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

  const reloads = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++reloads.current;
    try {
      const [who, areaList, entityList] = await Promise.all([api.me(), api.areas(), api.entities()]);
      if (mine !== reloads.current) return; // a later reload is on its way: its answer is newer
      setMe(who);
      setAreas(areaList);
      // A live change that arrived while this was on its way is newer than what it read.
      setEntities((current) =>
        Object.fromEntries(
          entityList.map((e) => {
            const live = current[e.entity_id];
            return [e.entity_id, live && live.last_updated > e.last_updated ? { ...e, ...live } : e];
          }),
        ),
      );
      setNeedLogin(false);
    } catch (error) {
      if (!(error instanceof Unauthorized)) setNotice({ kind: 'error', text: t('error.offline') });
    }
  }, [t]);

  useEffect(() => onUnauthorized(() => setNeedLogin(true)), []);
  const meId = useRef(null); // read by the stream's listener without re-opening the stream
  meId.current = me && me.id;
  useEffect(() => {
    if (needLogin) return undefined;
    reload();
    return subscribe({
      ready: () => {
        setLive(true);
        reload(); // catch up on whatever changed while the stream was down
        bump();
      },
      change: (event) => merge(event.data.new_state),
      // The hub sends only what this member may read; an admin's own toasts are their own.
      notification: (event) => {
        const note = event.data;
        if (!meId.current || note.member === meId.current) {
          setToasts((shown) => [...shown.filter((old) => old.id !== note.id), note].slice(-TOASTS));
        }
        bump();
      },
      household: () => bump(), // a list, timer, order... changed: the open page re-reads now
      down: () => setLive(false),
    });
  }, [needLogin]);

  const route = ROUTES.find((r) => r.path === path) || ROUTES[0];
  useEffect(() => {
    if (!route.household || needLogin) return undefined;
    const timer = setInterval(bump, REFRESH_MS); // and every few seconds, in case an event was missed
    return () => clearInterval(timer);
  }, [route, needLogin]);

  const act = useCallback(
    async (entity, service, data = {}) => {
      try {
        const result = await api.callService(service, entity.entity_id, data, false);
        if (result.ok) merge(result.data.state);
        else if (result.status === 409) setConfirming({ entity, service, data, held: result.data });
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

  const logout = async () => {
    try {
      await api.logout();
    } catch (error) {
      // already logged out: the login view shows either way
    }
    setMe(null);
    setToasts([]);
    setNeedLogin(true);
  };

  if (needLogin || path === '/login') {
    return html`<${LoginView}
      t=${t}
      onLoggedIn=${() => { setMe(null); location.hash = '#/'; setNeedLogin(false); }}
    />`;
  }

  const allowed = route.allow(me);
  const visible = ROUTES.filter((r) => r.allow(me));
  const View = route.view;
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>${t('nav.skip')}</a>
    <header class="top">
      <h1>${t('app.title')}</h1>
      <${WeatherBadge} t=${t} language=${language} version=${version} />
      ${visible.length > 1 &&
      html`<nav aria-label=${t('nav.label')}>
        ${visible.map((r) => html`<a href=${`#${r.path}`} aria-current=${r === route ? 'page' : undefined}>${t(r.label)}</a>`)}
      </nav>`}
      <span class=${`live ${live ? 'is-live' : ''}`} role="status" aria-label=${live ? t('live.on') : t('live.off')}
        title=${live ? t('live.on') : t('live.off')}></span>
      ${me && html`<span class="who">${pick(me.name, language)}</span>`}
      ${me && me.channel === 'web' && html`<button type="button" class="logout" onClick=${logout}>${t('login.logout')}</button>`}
      <${LanguageSwitch} language=${language} setLanguage=${setLanguage} t=${t} />
    </header>
    <${CareBanner} t=${t} language=${language} me=${me} version=${version} />
    <${AlertBanner} t=${t} language=${language} version=${version} />
    <${Notice} notice=${notice} t=${t} onDismiss=${() => setNotice(null)} />
    <${Toasts} toasts=${toasts} t=${t} onDismiss=${(id) => setToasts((shown) => shown.filter((n) => n.id !== id))} />
    <main id="main" tabindex="-1">
      ${allowed
        ? html`<${View} t=${t} language=${language} areas=${areas} entities=${entities} act=${act} me=${me}
            version=${version} names=${null} />`
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
