// Care: the banner every page shows while an incident is open, and the care page
// (incidents live, each member's day, acknowledging). The hub decides who sees and
// answers what (a child sees the banner but gets no button that would be refused; a
// guest sees nothing); these views only show its answers.
import { html, useState, useEffect, useCallback } from './ui.js';
import { api, ApiError } from './api.js';
import { pick } from './i18n.js';
import { Page, useLoad, useAct } from './pages.js';

const BANNER_MS = 3000;
const answers = (me) => Boolean(me) && (me.role === 'admin' || me.role === 'adult');

const clock = (iso, language) =>
  iso ? new Intl.DateTimeFormat(language === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso)) : '';

function kindLabel(t, kind) {
  const key = `care.kind.${kind}`;
  return t(key) === key ? kind : t(key);
}

/** One line about an incident: who, what, when, and where it stands. */
function summaryLine(t, incident, language) {
  const who = pick(incident.name, language);
  const what = kindLabel(t, incident.kind);
  const since = clock(incident.opened_at, language);
  if (incident.state === 'acknowledged') {
    const helper = incident.acknowledged_name ? pick(incident.acknowledged_name, language) : incident.acknowledged_by;
    return t('care.banner.coming', { who, what, since, helper });
  }
  return t('care.banner.open', { who, what, since });
}

/** The unmissable banner: on every page, re-read on every change and every few seconds. */
export function CareBanner({ t, language, me, version }) {
  const [incidents, setIncidents] = useState([]);
  const [error, setError] = useState(null);
  const load = useCallback(async () => {
    if (!me || me.role === 'guest') return;
    try {
      setIncidents(await api.careIncidents());
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.status === 401)) setIncidents([]);
    }
  }, [me]);
  useEffect(() => {
    load();
    const timer = setInterval(load, BANNER_MS);
    return () => clearInterval(timer);
  }, [load, version]);
  if (!incidents.length) return null;
  const ack = async (incident) => {
    try {
      await api.careAct(incident.id, 'ack');
      setError(null);
    } catch (failure) {
      setError(failure.detail || t('error.generic'));
    }
    load();
  };
  return html`<section class="care-banner" role="alert" aria-label=${t('care.banner.label')}>
    ${incidents.map(
      (incident) => html`<div key=${incident.id} class=${`care-alert state-${incident.state}`} data-incident=${incident.id}>
        <p><strong>${summaryLine(t, incident, language)}</strong>
          ${me && me.role === 'child' ? html` ${t('care.banner.child')}` : ''}</p>
        <div class="row buttons">
          ${answers(me) && incident.state === 'open' &&
          html`<button type="button" class="primary warn" onClick=${() => ack(incident)}
            aria-label=${t('care.ack_label', { id: incident.id })}>${t('care.ack')}</button>`}
          <a href="#/care">${t('care.banner.open_page')}</a>
        </div>
      </div>`,
    )}
    ${error && html`<p class="error">${error}</p>`}
  </section>`;
}

function Evidence({ t, incident, language, areaName }) {
  const items = [...incident.evidence.map((e) => ({ ...e, type: 'evidence' })), ...incident.timeline.map((e) => ({ ...e, type: 'step' }))]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return html`<ol class="care-timeline" aria-label=${t('care.timeline', { id: incident.id })}>
    ${items.map(
      (item, index) => html`<li key=${index} class=${`care-${item.type}`}>
        <time datetime=${item.at}>${clock(item.at, language)}</time>
        ${' '}${t(`care.step.${item.kind}`) === `care.step.${item.kind}` ? item.kind : t(`care.step.${item.kind}`)}
        ${item.area ? ` · ${areaName(item.area)}` : ''}${item.by ? ` · ${item.by}` : ''}
      </li>`,
    )}
  </ol>`;
}

function IncidentCard({ t, incident, language, me, act, areaName }) {
  const mine = me && me.id === incident.member;
  const open = incident.state === 'open' || incident.state === 'acknowledged';
  return html`<li class=${`care-incident state-${incident.state}`} data-incident=${incident.id}>
    <p><strong>${summaryLine(t, incident, language)}</strong></p>
    <p class="hint">${pick(incident.text, language)}</p>
    <p class="hint">${t(`care.state.${incident.state}`)} · ${t('care.round', { round: incident.round })}
      ${incident.false_alarm ? ` · ${t('care.false_alarm')}` : ''}</p>
    <${Evidence} t=${t} incident=${incident} language=${language} areaName=${areaName} />
    ${open &&
    html`<div class="row buttons">
      ${answers(me) && incident.state === 'open' &&
      html`<button type="button" class="primary" aria-label=${t('care.ack_label', { id: incident.id })}
        onClick=${() => act(() => api.careAct(incident.id, 'ack'))}>${t('care.ack')}</button>`}
      ${answers(me) &&
      html`<button type="button" aria-label=${t('care.resolve_label', { id: incident.id })}
          onClick=${() => act(() => api.careAct(incident.id, 'resolve'))}>${t('care.resolve')}</button>
        <button type="button" aria-label=${t('care.false_alarm_label', { id: incident.id })}
          onClick=${() => act(() => api.careAct(incident.id, 'resolve', { false_alarm: true }))}>${t('care.false_alarm')}</button>`}
      ${mine &&
      html`<button type="button" class="primary" aria-label=${t('care.cancel_label', { id: incident.id })}
        onClick=${() => act(() => api.careAct(incident.id, 'cancel'))}>${t('care.cancel')}</button>`}
    </div>`}
  </li>`;
}

function Day({ t, language, member, version }) {
  const load = useCallback(() => api.careSummary(member.id), [member.id]);
  const { data, error } = useLoad(load, version, t);
  const watch = member.watch || {};
  return html`<section class="care-day" aria-labelledby=${`day-${member.id}`} data-member=${member.id}>
    <h3 id=${`day-${member.id}`}>${pick(member.name, language)}</h3>
    ${error ? html`<p class="error">${error}</p>` : html`<p>${data ? data.text : ''}</p>`}
    <p class="hint">${t('care.watch', {
      worn: watch.worn === false ? t('care.watch.off') : watch.worn ? t('care.watch.on') : '—',
      battery: watch.battery == null ? '—' : `${watch.battery}%`,
    })}${member.away_until ? ` · ${t('care.away', { date: member.away_until.slice(0, 10) })}` : ''}</p>
  </section>`;
}

export function CareView({ t, language, me, version, areas }) {
  const areaName = (id) => {
    const area = (areas || []).find((a) => a.id === id);
    return area ? pick(area.name, language) : id;
  };
  const [all, setAll] = useState(false);
  const loadIncidents = useCallback(() => api.careIncidents(all), [all]);
  const { data, error: loadError, reload } = useLoad(loadIncidents, version, t);
  const members = useLoad(api.careMembers, version, t);
  const [error, setError] = useState(null);
  const act = useAct(reload, setError, t);
  const incidents = data || [];
  return html`<${Page} title=${t('nav.care')} error=${error || loadError}>
    <p class="hint">${t('care.hint')}</p>
    <h3 id="care-incidents">${t('care.incidents')}</h3>
    <label class="check"><input type="checkbox" checked=${all} onChange=${() => setAll(!all)} /> ${t('care.show_closed')}</label>
    ${incidents.length === 0
      ? html`<p class="hint">${t('care.none')}</p>`
      : html`<ul class="items care-incidents" aria-labelledby="care-incidents">
          ${incidents.map((incident) => html`<${IncidentCard} key=${incident.id} t=${t} incident=${incident} language=${language} me=${me} act=${act} areaName=${areaName} />`)}
        </ul>`}
    <h3>${t('care.today')}</h3>
    ${(members.data || []).map((member) => html`<${Day} key=${member.id} t=${t} language=${language} member=${member} version=${version} />`)}
  </${Page}>`;
}
