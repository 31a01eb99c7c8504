// Device cards, one component per domain. A card receives
//   { entity, name, t, act }
// where `act(service, data)` calls the hub (confirmations and codes are handled by the
// caller) and `t` translates. To add a card type: write a component here and register
// it in CARDS under its domain (see DEVELOPERS.md).
import { html } from './ui.js';

const on = (entity) => !['off', 'unavailable', 'unknown', 'closed', 'docked'].includes(entity.state);

export function stateLabel(t, entity) {
  if (entity.domain === 'binary_sensor') {
    const kind = ['door', 'window', 'opening', 'garage_door'].includes(entity.attributes.device_class)
      ? 'opening'
      : 'default';
    return t(`binary.${kind}.${entity.state}`);
  }
  if (entity.domain === 'sensor') {
    const unit = entity.attributes.unit_of_measurement;
    return unit ? `${entity.state} ${unit}` : entity.state;
  }
  const key = `state.${entity.state}`;
  const text = t(key);
  return text === key ? entity.state : text;
}

function Toggle({ entity, name, t, act }) {
  // Climate's state is its mode, a water heater's its operation: anything but off is on.
  const checked = entity.state !== 'off' && entity.state !== 'unavailable';
  return html`<button
    type="button"
    class="toggle"
    role="switch"
    aria-checked=${checked ? 'true' : 'false'}
    aria-label=${t('control.power', { name })}
    onClick=${() => act(checked ? 'turn_off' : 'turn_on')}
  ><span class="knob" aria-hidden="true"></span></button>`;
}

function Slider({ label, name, value, min, max, step = 1, onCommit, suffix = '' }) {
  // Sent on `change` (release, or each arrow key press), never on every pixel of a drag.
  return html`<label class="slider">
    <span class="slider-label">${label}</span>
    <input
      type="range"
      min=${min}
      max=${max}
      step=${step}
      value=${value}
      aria-label=${`${label} · ${name}`}
      aria-valuetext=${`${value}${suffix}`}
      onChange=${(event) => onCommit(Number(event.currentTarget.value))}
    />
    <output aria-hidden="true">${value}${suffix}</output>
  </label>`;
}

const hex = (rgb) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
const rgbOf = (value) => [1, 3, 5].map((i) => parseInt(value.slice(i, i + 2), 16));

function LightCard(props) {
  const { entity, name, t, act } = props;
  const a = entity.attributes;
  const has = (feature) => entity.features.includes(feature);
  return html`
    <div class="row"><${Toggle} ...${props} /></div>
    ${has('brightness') &&
    html`<${Percent}
      name=${name}
      label=${t('control.brightness')}
      value=${Math.max(1, Math.round(((a.brightness ?? 255) * 100) / 255))}
      min="1"
      onCommit=${(pct) => act('turn_on', { brightness_pct: pct })}
    />`}
    ${has('color_temp') &&
    html`<${Slider}
      name=${name}
      label=${t('control.color_temp')}
      value=${a.color_temp_kelvin ?? 4000}
      min=${a.min_color_temp_kelvin ?? 2000}
      max=${a.max_color_temp_kelvin ?? 6500}
      step="100"
      suffix=" K"
      onCommit=${(kelvin) => act('turn_on', { color_temp_kelvin: kelvin })}
    />`}
    ${has('color') &&
    html`<label class="color">
      <span>${t('control.color')}</span>
      <input
        type="color"
        value=${hex(a.rgb_color ?? [255, 255, 255])}
        aria-label=${t('control.color_of', { name })}
        onChange=${(event) => act('turn_on', { rgb_color: rgbOf(event.currentTarget.value) })}
      />
    </label>`}
  `;
}

function SwitchCard(props) {
  return html`<div class="row"><${Toggle} ...${props} /></div>`;
}

function Stepper({ value, min, max, step, label, name, t, onCommit, unit }) {
  const clamp = (v) => Math.min(max, Math.max(min, Math.round(v / step) * step));
  return html`<div class="stepper" role="group" aria-label=${`${label} · ${name}`}>
    <span class="stepper-label">${label}</span>
    <button
      type="button"
      aria-label=${t('control.lower', { what: label, name })}
      disabled=${value <= min}
      onClick=${() => onCommit(clamp(value - step))}
    >−</button>
    <output>${value}${unit}</output>
    <button
      type="button"
      aria-label=${t('control.raise', { what: label, name })}
      disabled=${value >= max}
      onClick=${() => onCommit(clamp(value + step))}
    >+</button>
  </div>`;
}

/** The toggle, with the temperature the device reads now beside it. */
function PowerRow(props) {
  const now = props.entity.attributes.current_temperature;
  return html`<div class="row">
    <${Toggle} ...${props} />
    ${now != null && html`<span class="reading">${props.t('control.current', { value: `${now} °C` })}</span>`}
  </div>`;
}

/** − and + around the set point, within the device's own range and step. */
function TargetTemperature({ entity, name, t, act, range }) {
  const a = entity.attributes;
  return html`<${Stepper}
    label=${t('control.target')}
    name=${name}
    t=${t}
    value=${a.temperature ?? range.value}
    min=${a.min_temp ?? range.min}
    max=${a.max_temp ?? range.max}
    step=${a.target_temp_step ?? range.step}
    unit=" °C"
    onCommit=${(temperature) => act('set_temperature', { temperature })}
  />`;
}

function Percent({ name, label, value, min = 0, onCommit }) {
  return html`<${Slider} name=${name} label=${label} value=${value} min=${min} max="100" suffix="%" onCommit=${onCommit} />`;
}

function ClimateCard(props) {
  const { entity, name, t, act } = props;
  const modes = entity.attributes.hvac_modes || [];
  return html`
    <${PowerRow} ...${props} />
    ${modes.length > 0 &&
    html`<label class="select">
      <span>${t('control.mode')}</span>
      <select aria-label=${t('control.mode_of', { name })} onChange=${(e) => act('set_hvac_mode', { hvac_mode: e.currentTarget.value })}>
        ${modes.map((mode) => html`<option value=${mode} selected=${mode === entity.state}>${t(`hvac.${mode}`)}</option>`)}
      </select>
    </label>`}
    <${TargetTemperature} ...${props} range=${{ value: 20, min: 7, max: 35, step: 0.5 }} />
  `;
}

function WaterHeaterCard(props) {
  return html`
    <${PowerRow} ...${props} />
    <${TargetTemperature} ...${props} range=${{ value: 50, min: 35, max: 75, step: 1 }} />
  `;
}

function CoverCard({ entity, name, t, act }) {
  const position = entity.attributes.current_position ?? (entity.state === 'open' ? 100 : 0);
  return html`
    <div class="row buttons">
      <button type="button" onClick=${() => act('open_cover')}>${t('control.open')}</button>
      <button type="button" onClick=${() => act('close_cover')}>${t('control.close')}</button>
    </div>
    ${entity.features.includes('position') &&
    html`<${Percent}
      name=${name}
      label=${t('control.position')}
      value=${position}
      onCommit=${(value) => act('set_cover_position', { position: value })}
    />`}
  `;
}

function LockCard({ entity, t, act }) {
  const locked = entity.state === 'locked';
  // Unlocking is sensitive: the hub answers 409 and the dashboard asks to confirm (and for the code).
  return html`<div class="row buttons">
    ${locked
      ? html`<button type="button" class="warn" onClick=${() => act('unlock')}>${t('control.unlock')}</button>`
      : html`<button type="button" onClick=${() => act('lock')}>${t('control.lock')}</button>`}
  </div>`;
}

function AlarmCard({ entity, t, act }) {
  const disarmed = entity.state === 'disarmed';
  return html`<div class="row buttons">
    ${disarmed
      ? html`
          <button type="button" onClick=${() => act('alarm_arm_home')}>${t('control.arm_home')}</button>
          <button type="button" onClick=${() => act('alarm_arm_away')}>${t('control.arm_away')}</button>
        `
      : html`<button type="button" class="warn" onClick=${() => act('alarm_disarm')}>${t('control.disarm')}</button>`}
  </div>`;
}

function MediaCard(props) {
  const { entity, name, t, act } = props;
  const volume = Math.round((entity.attributes.volume_level ?? 0) * 100);
  return html`
    <div class="row"><${Toggle} ...${props} /></div>
    ${entity.features.includes('volume_set') &&
    html`<${Percent}
      name=${name}
      label=${t('control.volume')}
      value=${volume}
      onCommit=${(value) => act('volume_set', { volume_level: value / 100 })}
    />`}
  `;
}

function VacuumCard({ entity, t, act }) {
  const battery = entity.attributes.battery_level;
  return html`
    ${battery != null && html`<p class="reading">${t('control.battery', { value: battery })}</p>`}
    <div class="row buttons">
      <button type="button" onClick=${() => act('start')}>${t('control.start')}</button>
      <button type="button" onClick=${() => act('pause')}>${t('control.pause')}</button>
      <button type="button" onClick=${() => act('return_to_base')}>${t('control.dock')}</button>
    </div>
  `;
}

function SensorCard() {
  return null; // the value is the card's state line
}

export const CARDS = {
  light: LightCard,
  switch: SwitchCard,
  fan: SwitchCard,
  climate: ClimateCard,
  water_heater: WaterHeaterCard,
  cover: CoverCard,
  lock: LockCard,
  alarm_control_panel: AlarmCard,
  media_player: MediaCard,
  vacuum: VacuumCard,
  sensor: SensorCard,
  binary_sensor: SensorCard,
};

/** The frame every card shares: name, state, then the domain's controls. */
export function Card({ entity, name, t, act }) {
  const Body = CARDS[entity.domain] || SensorCard;
  const heading = `card-${entity.entity_id.replace(/\W/g, '-')}`;
  return html`<article
    class=${`card domain-${entity.domain} ${on(entity) ? 'is-on' : ''}`}
    data-entity=${entity.entity_id}
    aria-labelledby=${heading}
  >
    <h3 id=${heading}>${name}</h3>
    <p class="state" data-state=${entity.state}>${stateLabel(t, entity)}</p>
    <${Body} entity=${entity} name=${name} t=${t} act=${act} />
  </article>`;
}
