// The automations page: those in the home file and those made by talking ("every day at
// 7pm turn on the balcony light"), each with its trigger, a switch that turns the
// automation (never its devices) on or off, and, for one made by talking, who made it,
// what was said, when it next runs and a Remove button. The hub decides who may switch or
// remove (never a child or a guest); a refusal shows in the page's alert line.
import { html, useState } from './ui.js';
import { api, ApiError } from './api.js';
import { pick } from './i18n.js';
import { Page, useLoad } from './pages.js';

/** The home's own wall-clock time (the ISO string carries the home's offset), wherever the browser is. */
function time(iso, language) {
  const [year, month, day, hour, minute] = iso.slice(0, 16).split(/[-T:]/).map(Number);
  return new Intl.DateTimeFormat(language === 'zh' ? 'zh-CN' : 'en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(year, month - 1, day, hour, minute)));
}

/** The automation's name in the page's language (those made by talking have both). */
const title = (automation, language) => (automation.names ? pick(automation.names, language) : automation.name);

export function AutomationsView({ t, language, version, names }) {
  const { data, error: loadError, reload } = useLoad(api.automations, version, t);
  const [error, setError] = useState(null);
  const act = async (change) => {
    setError(null);
    try {
      await change();
    } catch (failure) {
      if (!(failure instanceof ApiError && failure.status === 401)) {
        setError(failure.status === 0 ? t('error.offline') : failure.detail || t('error.generic'));
      }
    }
    reload();
  };
  const automations = data || [];
  const who = (id) => (names && names[id] ? pick(names[id], language) : id);

  return html`<${Page} title=${t('nav.automations')} error=${error || loadError}>
    <p class="hint">${t('automations.hint')}</p>
    ${automations.length === 0
      ? html`<p class="hint">${t('automations.empty')}</p>`
      : html`<ul class="items automations">
          ${automations.map((automation) => {
            const name = title(automation, language);
            return html`<li key=${automation.id} data-automation=${automation.id}>
              <div>
                <p><strong class="item-text">${name}</strong></p>
                ${automation.creator &&
                html`<p class="hint">
                  ${t('automations.made_by', { who: who(automation.creator) })}
                  ${automation.said && html` · “<span class="item-text">${automation.said}</span>”`}
                  ${automation.next_fire && ` · ${t('automations.next', { when: time(automation.next_fire, language) })}`}
                </p>`}
              </div>
              <div class="row buttons">
                <label class="check">
                  <input type="checkbox" role="switch" checked=${automation.enabled}
                    aria-label=${t('automations.enabled_label', { name })}
                    onChange=${() => act(() => api.switchAutomation(automation.id, !automation.enabled))} />
                  <span>${t(automation.enabled ? 'automations.on' : 'automations.off')}</span>
                </label>
                ${automation.creator &&
                html`<button type="button" aria-label=${t('automations.remove_label', { name })}
                  onClick=${() => act(() => api.removeAutomation(automation.id))}>${t('automations.remove')}</button>`}
              </div>
            </li>`;
          })}
        </ul>`}
  </${Page}>`;
}
