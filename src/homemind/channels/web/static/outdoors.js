// The outside world on the dashboard: the weather in the header, official warnings as a
// banner over every page, and the energy page (its charts are SVG drawn by the hub:
// GET /api/energy/chart.svg, shown as images with the figures as their text).
import { html, useState, useEffect } from './ui.js';
import { api } from './api.js';
import { pick } from './i18n.js';
import { Page, useLoad } from './pages.js';

const ALERT_REFRESH_MS = 60000;
const WEATHER_REFRESH_MS = 600000; // the hub refreshes its forecast every 30 minutes; the header follows

/** A number that goes up every `ms`: a view re-reads on it. */
function useTick(ms) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

const money = (value, currency, language) =>
  currency === 'CNY' ? (language === 'zh' ? `${value.toFixed(2)}元` : `¥${value.toFixed(2)}`) : `${value.toFixed(2)} ${currency}`;
const kwh = (value) => (value < 1 ? value.toFixed(2) : value.toFixed(1));

/** "27 °C partly cloudy" beside the title; nothing when the home has no weather section. */
export function WeatherBadge({ t, language, version }) {
  const [weather, setWeather] = useState(null);
  const tick = useTick(WEATHER_REFRESH_MS);
  useEffect(() => {
    api.weather(language).then(setWeather, () => setWeather(null));
  }, [language, version, tick]);
  if (!weather) return null;
  if (!weather.available) {
    return html`<span class="weather muted" title=${weather.problem || ''}>${t('weather.unavailable')}</span>`;
  }
  const tomorrow = weather.days[1];
  const title = tomorrow ? t('weather.tomorrow', { sky: tomorrow.sky, low: Math.round(tomorrow.low), high: Math.round(tomorrow.high) }) : '';
  return html`<span class="weather" role="status" aria-label=${t('weather.label')} title=${title}>
    ${weather.place && html`<span class="muted">${weather.place}</span>`}
    <span class="weather-now">${weather.now.text} ${weather.now.sky}</span>
    ${weather.stale && weather.fetched_at && html`<span class="muted">${t('weather.stale', { time: weather.fetched_at.slice(11, 16) })}</span>`}
  </span>`;
}

/** The warnings in force, most severe first, on every page; re-read on each notification and every minute. */
export function AlertBanner({ t, language, version }) {
  const [alerts, setAlerts] = useState([]);
  const tick = useTick(ALERT_REFRESH_MS);
  useEffect(() => {
    api.alerts(language).then((answer) => setAlerts(answer.alerts || []), () => {});
  }, [language, version, tick]);
  if (alerts.length === 0) return null;
  const [first, ...rest] = alerts;
  return html`<section class="alert-banner" role="alert" aria-label=${t('alerts.label')} data-severity=${first.severity}>
    <strong>${first.severity_text}</strong>
    <span>${first.headline}</span>
    ${first.instruction && html`<span class="muted">${first.instruction}</span>`}
    ${rest.length > 0 && html`<span class="muted">${t('alerts.more', { count: rest.length })}</span>`}
  </section>`;
}

export function EnergyView({ t, language, version, entities }) {
  const { data, error } = useLoad(api.energy, version, t);
  const chart = (range) => `/api/energy/chart.svg?range=${range}&lang=${language}&v=${version}`;
  const describe = (rows, label) => rows.map((row) => `${label(row)} ${kwh(row.kwh)} kWh`).join(', ');
  return html`<${Page} title=${t('nav.energy')} error=${error}>
    ${data &&
    html`<div class="energy">
      <dl class="totals">
        <div><dt>${t('energy.today')}</dt><dd data-total="today">${t('energy.total', { kwh: kwh(data.today.kwh), cost: money(data.today.cost, data.currency, language) })}</dd></div>
        <div><dt>${t('energy.month')}</dt><dd data-total="month">${t('energy.total', { kwh: kwh(data.this_month.kwh), cost: money(data.this_month.cost, data.currency, language) })}</dd></div>
      </dl>
      <figure>
        <img src=${chart('today')} width="720" height="240" alt=${`${t('energy.chart_today')}: ${describe(data.hours_today, (row) => `${row.hour}:00`)}`} />
        <figcaption>${t('energy.chart_today')}</figcaption>
      </figure>
      <figure>
        <img src=${chart('30d')} width="720" height="240" alt=${`${t('energy.chart_days')}: ${describe(data.days, (row) => row.date.slice(5))}`} />
        <figcaption>${t('energy.chart_days')}</figcaption>
      </figure>
      <h3 id="energy-devices">${t('energy.devices')}</h3>
      ${data.devices_today.length === 0
        ? html`<p class="hint">${t('energy.none')}</p>`
        : html`<table aria-labelledby="energy-devices">
            <thead><tr><th scope="col">${t('energy.device')}</th><th scope="col">${t('energy.used')}</th><th scope="col">${t('energy.cost')}</th></tr></thead>
            <tbody>
              ${data.devices_today.map(
                (row) => html`<tr key=${row.entity_id} data-device=${row.entity_id}>
                  <td>${entities[row.entity_id] ? pick(entities[row.entity_id].name, language) : row.entity_id}</td>
                  <td>${t('energy.kwh', { kwh: kwh(row.kwh) })}</td>
                  <td>${money(row.cost, data.currency, language)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </div>`}
  </${Page}>`;
}
