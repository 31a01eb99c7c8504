// The household pages: lists, timers/alarms/reminders, calendar, approvals, and the
// admin pages (members, audit). Each reads the hub through api.js when shown and again
// whenever `version` changes (the shell bumps it on a notification, on reconnecting, and
// every few seconds while a page is open: the household has no change events of its own).
// The hub decides what each member may see and do; these pages only show its answers.
import { html, useState, useEffect, useCallback } from './ui.js';
import { api, ApiError } from './api.js';
import { pick } from './i18n.js';

/** Read `load()` now and whenever `version` changes; {data, error, reload}. */
export function useLoad(load, version, t) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 401) return; // the login view takes over
      setError(failure.status === 0 ? t('error.offline') : failure.detail || t('error.generic'));
    }
  }, [load, t]);
  useEffect(() => {
    reload();
  }, [version, reload]);
  return { data, error, reload };
}

/** Run a change, then re-read; a refusal is shown in the page's alert line. */
export function useAct(reload, setError, t) {
  return async (change) => {
    try {
      await change();
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.status === 401)) {
        setError(failure.status === 0 ? t('error.offline') : failure.detail || t('error.generic'));
      }
    }
    reload();
  };
}

export function Page({ title, error, children }) {
  return html`<section class="page" aria-labelledby="page-title">
    <h2 id="page-title">${title}</h2>
    <p class="error" role="alert">${error || ''}</p>
    ${children}
  </section>`;
}

const when = (iso, language) =>
  iso
    ? new Intl.DateTimeFormat(language === 'zh' ? 'zh-CN' : 'en-GB', {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso))
    : '';

function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

function memberName(members, id, language) {
  const member = members && members[id];
  return member ? pick(member, language) : id;
}

// --- lists ----------------------------------------------------------------------------

export function ListsView({ t, version }) {
  const { data, error: loadError, reload } = useLoad(api.household, version, t);
  const [error, setError] = useState(null);
  const [chosen, setChosen] = useState('shopping');
  const [item, setItem] = useState('');
  const act = useAct(reload, setError, t);
  const lists = (data && data.lists) || {};
  const names = [...new Set(['shopping', ...Object.keys(lists)])];
  const items = lists[chosen] || [];
  const title = (name) => (t(`lists.name.${name}`) === `lists.name.${name}` ? name : t(`lists.name.${name}`));

  return html`<${Page} title=${t('nav.lists')} error=${error || loadError}>
    <div class="tabs" role="group" aria-label=${t('lists.which')}>
      ${names.map(
        (name) => html`<button type="button" aria-pressed=${name === chosen ? 'true' : 'false'}
          onClick=${() => setChosen(name)}>${title(name)}</button>`,
      )}
    </div>
    <form
      class="row add-item"
      onSubmit=${(event) => {
        event.preventDefault();
        const text = item.trim();
        if (!text) return;
        setItem('');
        setError(null);
        act(() => api.addItem(chosen, text));
      }}
    >
      <label for="new-item">${t('lists.new', { list: title(chosen) })}</label>
      <input id="new-item" type="text" maxlength="200" autocomplete="off" value=${item}
        onInput=${(e) => setItem(e.currentTarget.value)} />
      <button type="submit">${t('lists.add')}</button>
    </form>
    ${items.length === 0
      ? html`<p class="hint">${t('lists.empty')}</p>`
      : html`<ul class="items" aria-label=${title(chosen)}>
          ${items.map(
            (entry) => html`<li key=${entry.item} class=${entry.done ? 'done' : ''} data-item=${entry.item}>
              <label class="check">
                <input type="checkbox" checked=${entry.done}
                  aria-label=${t('lists.done_label', { item: entry.item })}
                  onChange=${() =>
                    act(() => (entry.done ? api.addItem(chosen, entry.item) : api.changeItem(chosen, entry.item, 'complete')))} />
                <span class="item-text">${entry.item}</span>
              </label>
              <button type="button" aria-label=${t('lists.remove_label', { item: entry.item })}
                onClick=${() => act(() => api.changeItem(chosen, entry.item, 'remove'))}>${t('lists.remove')}</button>
            </li>`,
          )}
        </ul>`}
  </${Page}>`;
}

// --- timers, alarms, reminders, notifications ------------------------------------------

const loadSchedule = () => Promise.all([api.household(), api.notifications()]);

export function TimersView({ t, language, version, names }) {
  const { data, error: loadError, reload } = useLoad(loadSchedule, version, t);
  const [error, setError] = useState(null);
  const act = useAct(reload, setError, t);
  const [house, notes] = data || [{ timers: [], alarms: [], reminders: [] }, []];
  const repeat = (rule) => (rule ? ` · ${t('schedule.repeats')}` : '');

  return html`<${Page} title=${t('nav.timers')} error=${error || loadError}>
    <p class="hint">${t('schedule.hint')}</p>
    <h3 id="timers-heading">${t('schedule.timers')}</h3>
    ${house.timers.length === 0
      ? html`<p class="hint">${t('schedule.no_timers')}</p>`
      : html`<ul class="items" aria-labelledby="timers-heading">
          ${house.timers.map(
            (timer) => html`<li key=${timer.id} data-timer=${timer.id}>
              <span>${timer.name || t('schedule.timer')}: ${t('schedule.left', { time: duration(timer.remaining_s) })}
                ${timer.state === 'paused' ? ` (${t('schedule.paused')})` : ''}</span>
              <button type="button" aria-label=${t('schedule.cancel_timer', { name: timer.name || duration(timer.duration_s) })}
                onClick=${() => act(() => api.cancelTimer(timer.id))}>${t('schedule.cancel')}</button>
            </li>`,
          )}
        </ul>`}
    <h3 id="alarms-heading">${t('schedule.alarms')}</h3>
    ${house.alarms.length === 0
      ? html`<p class="hint">${t('schedule.no_alarms')}</p>`
      : html`<ul class="items" aria-labelledby="alarms-heading">
          ${house.alarms.map(
            (alarm) => html`<li key=${alarm.id} data-alarm=${alarm.id}>
              <span>${when(alarm.at, language)}${repeat(alarm.recurrence)}</span>
              <button type="button" aria-label=${t('schedule.delete_alarm', { when: when(alarm.at, language) })}
                onClick=${() => act(() => api.deleteAlarm(alarm.id))}>${t('schedule.delete')}</button>
            </li>`,
          )}
        </ul>`}
    <h3 id="reminders-heading">${t('schedule.reminders')}</h3>
    ${house.reminders.length === 0
      ? html`<p class="hint">${t('schedule.no_reminders')}</p>`
      : html`<ul class="items" aria-labelledby="reminders-heading">
          ${house.reminders.map(
            (reminder) => html`<li key=${reminder.id} data-reminder=${reminder.id}>
              <span><span class="item-text">${reminder.text}</span> · ${memberName(names, reminder.member, language)} ·
                ${when(reminder.at, language)}${repeat(reminder.recurrence)}</span>
              <button type="button" aria-label=${t('schedule.delete_reminder', { text: reminder.text })}
                onClick=${() => act(() => api.deleteReminder(reminder.id))}>${t('schedule.delete')}</button>
            </li>`,
          )}
        </ul>`}
    <h3 id="inbox-heading">${t('inbox.title')}</h3>
    ${notes.length === 0
      ? html`<p class="hint">${t('inbox.empty')}</p>`
      : html`<ul class="items inbox" aria-labelledby="inbox-heading">
          ${notes.map(
            (note) => html`<li key=${note.id} class=${note.read ? '' : 'unread'}>
              <span class="item-text">${note.text}</span> <time datetime=${note.fired_at}>${when(note.fired_at, language)}</time>
            </li>`,
          )}
        </ul>`}
  </${Page}>`;
}

// --- calendar -------------------------------------------------------------------------

export function CalendarView({ t, language, version, names }) {
  const { data, error } = useLoad(api.household, version, t);
  const now = Date.now();
  const events = ((data && data.events) || []).filter((event) => new Date(event.end).getTime() >= now);
  return html`<${Page} title=${t('nav.calendar')} error=${error}>
    ${events.length === 0
      ? html`<p class="hint">${t('calendar.empty')}</p>`
      : html`<ul class="items events" aria-label=${t('calendar.upcoming')}>
          ${events.map(
            (event) => html`<li key=${event.id} data-event=${event.id}>
              <time datetime=${event.start}>${when(event.start, language)}</time>
              <span class="item-text">${event.title}</span>
              <span class="who">${memberName(names, event.member, language)}</span>
            </li>`,
          )}
        </ul>`}
    <p><a href="/api/calendar.ics" download="homemind.ics">${t('calendar.export')}</a></p>
  </${Page}>`;
}

// --- approvals ------------------------------------------------------------------------

export function ApprovalsView({ t, language, version, names }) {
  const { data, error: loadError, reload } = useLoad(api.approvals, version, t);
  const [error, setError] = useState(null);
  const act = useAct(reload, setError, t);
  const orders = data || [];
  return html`<${Page} title=${t('nav.approvals')} error=${error || loadError}>
    ${orders.length === 0
      ? html`<p class="hint">${t('approvals.empty')}</p>`
      : html`<ul class="items orders">
          ${orders.map(
            (order) => html`<li key=${order.id} data-order=${order.id}>
              <div>
                <p><strong>${t('approvals.order', { id: order.id, who: memberName(names, order.requested_by, language) })}</strong></p>
                <p>${order.items.map((line) => `${line.quantity} × ${pick(line.name, language)}`).join(', ')} · ¥${order.total.toFixed(2)}</p>
                <p class="hint">${t('approvals.expires', { when: when(order.expires_at, language) })}</p>
              </div>
              <div class="row buttons">
                <button type="button" class="primary" aria-label=${t('approvals.approve_label', { id: order.id })}
                  onClick=${() => act(() => api.decide(order.id, 'approve'))}>${t('approvals.approve')}</button>
                <button type="button" aria-label=${t('approvals.deny_label', { id: order.id })}
                  onClick=${() => act(() => api.decide(order.id, 'deny'))}>${t('approvals.deny')}</button>
              </div>
            </li>`,
          )}
        </ul>`}
  </${Page}>`;
}

// --- admin: members and audit ----------------------------------------------------------

export function MembersView({ t, language, version }) {
  const { data, error } = useLoad(api.members, version, t);
  return html`<${Page} title=${t('nav.members')} error=${error}>
    <table class="table">
      <thead><tr>
        <th scope="col">${t('members.name')}</th><th scope="col">${t('members.role')}</th>
        <th scope="col">${t('members.language')}</th><th scope="col">${t('members.credentials')}</th>
      </tr></thead>
      <tbody>
        ${(data || []).map(
          (member) => html`<tr key=${member.id} data-member=${member.id}>
            <th scope="row">${pick(member.name, language)} <span class="hint">(${member.id})</span></th>
            <td>${t(`role.${member.role}`)}${member.owner ? ` · ${t('members.owner')}` : ''}</td>
            <td>${member.language === 'zh' ? '中文' : 'English'}</td>
            <td>${member.credentials.map((kind) => t(`members.${kind}`)).join(', ') || '—'}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </${Page}>`;
}

export function AuditView({ t, language, version }) {
  const { data, error } = useLoad(api.audit, version, t);
  return html`<${Page} title=${t('nav.audit')} error=${error}>
    <p><a href="/api/audit/export" download="homemind-audit.jsonl">${t('audit.export')}</a></p>
    <div class="scroll" tabindex="0" role="region" aria-label=${t('nav.audit')}>
      <table class="table audit">
        <thead><tr>
          <th scope="col">${t('audit.time')}</th><th scope="col">${t('audit.member')}</th>
          <th scope="col">${t('audit.what')}</th><th scope="col">${t('audit.said')}</th>
          <th scope="col">${t('audit.result')}</th>
        </tr></thead>
        <tbody>
          ${(data || []).map(
            (entry) => html`<tr key=${entry.id}>
              <td><time datetime=${entry.time}>${when(entry.time, language)}</time></td>
              <td>${entry.member} · ${entry.channel}</td>
              <td>${entry.service} ${entry.entity_id}</td>
              <td class="item-text">${entry.text || ''}</td>
              <td>${entry.decision ? `${entry.decision} → ` : ''}${entry.result}${entry.detail ? `: ${entry.detail}` : ''}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </${Page}>`;
}
