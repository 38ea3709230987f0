// Triggers: the list (type, state, name, pages), one trigger (its actions, firing and test
// firing, webhook secrets, recent events) and the form that creates and edits all three types.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from './api.js';
import {
  Badge, Errors, Field, assignErrors, html, json, parseJson, problemOf, time, useConfirm,
} from './ui.js';
import { EventsTable, useLiveEvents } from './events.js';

const PAGE_SIZE = 20;
// A message for the next page shown (e.g. a generated secret after a create), shown once.
let flash = null;

export function TriggerList({ can }) {
  const [type, setType] = useState('');
  const [active, setActive] = useState('');
  const [name, setName] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    const t = setTimeout(() => { setSearch(name.trim()); setPage(1); }, 250);
    return () => clearTimeout(t);
  }, [name]);
  useEffect(() => {
    let live = true;
    api('GET', '/triggers' + query({ type, active, q: search, page, page_size: PAGE_SIZE }))
      .then((d) => live && (setData(d), setError(null)))
      .catch((e) => live && setError(problemOf(e)));
    return () => { live = false; };
  }, [type, active, search, page]);

  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;
  return html`<h2>Triggers</h2>
    ${can.write && html`<p><a class="button primary" href="#/triggers/new">New trigger</a></p>`}
    <form class="panel row" role="search" aria-label="Filter triggers" onSubmit=${(e) => e.preventDefault()}>
      <${Field} label="Name contains" control=${(p) => html`<input ...${p} type="search" value=${name} onInput=${(e) => setName(e.target.value)} />`} />
      <${Field} label="Type" control=${(p) => html`<select ...${p} value=${type} onChange=${(e) => { setType(e.target.value); setPage(1); }}>
        <option value="">any</option><option value="scheduled">scheduled</option><option value="api">api</option><option value="cdc">cdc</option></select>`} />
      <${Field} label="State" control=${(p) => html`<select ...${p} value=${active} onChange=${(e) => { setActive(e.target.value); setPage(1); }}>
        <option value="">any</option><option value="true">active</option><option value="false">inactive</option></select>`} />
    </form>
    <${Errors} problem=${error} />
    ${data && html`<div class="table-wrap"><table class="stack">
      <caption class="muted">${data.total} trigger${data.total === 1 ? '' : 's'}</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Target</th><th scope="col">Created</th></tr></thead>
      <tbody>${data.items.map((t) => html`<tr>
        <td data-label="Name"><a href=${'#/triggers/' + t.id}>${t.name}</a></td>
        <td data-label="Type">${t.type}</td>
        <td data-label="State"><${Badge} kind=${t.active ? 'ok' : ''}>${t.active ? 'active' : 'inactive'}<//></td>
        <td data-label="Target">${t.target ? t.target.url : '—'}</td>
        <td data-label="Created">${time(t.created_at)}</td></tr>`)}
      </tbody></table></div>
      <div class="actions" aria-label="Pages">
        <button disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous page</button>
        <span class="muted" aria-live="polite">Page ${page} of ${pages}</span>
        <button disabled=${page >= pages} onClick=${() => setPage(page + 1)}>Next page</button>
      </div>`}`;
}

// ---- one trigger ---------------------------------------------------------------------------

function PayloadFire({ trigger, mode }) {
  // mode: 'fire' (POST /fire, api triggers) or 'test' (POST /test with {payload}).
  const [text, setText] = useState(mode === 'fire' ? '{}' : '');
  const [result, setResult] = useState(null);
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  async function send(e) {
    e.preventDefault();
    setProblem(null);
    setResult(null);
    let payload;
    try {
      payload = parseJson(text, '/', { emptyAs: undefined });
    } catch (err) {
      setProblem({ message: 'The payload ' + err.message, errors: [] });
      return;
    }
    setBusy(true);
    try {
      const r = mode === 'fire'
        ? await api('POST', `/triggers/${trigger.id}/fire`, text.trim() === '' ? '{}' : text, { raw: true })
        : await api('POST', `/triggers/${trigger.id}/test`, payload === undefined ? {} : { payload });
      setResult(r);
    } catch (err) {
      setProblem(problemOf(err));
    } finally {
      setBusy(false);
    }
  }
  const label = mode === 'fire' ? 'Fire' : 'Test fire';
  const title = mode === 'fire' ? 'Fire with a payload' : 'Test firing (is_test: true)';
  const id = `payload-${mode}`;
  return html`<form class="panel" onSubmit=${send} aria-labelledby=${id + '-title'}>
    <h3 id=${id + '-title'}>${title}</h3>
    <div class="field">
      <label for=${id}>Payload (JSON)</label>
      <textarea id=${id} class="code" spellcheck="false" value=${text} onInput=${(e) => setText(e.target.value)}
        aria-invalid=${problem ? 'true' : undefined} aria-describedby=${problem ? id + '-problem' : undefined}
        placeholder=${mode === 'test' ? 'empty: the trigger\'s own payload, or {}' : ''}></textarea>
    </div>
    <div class="actions"><button class="primary" type="submit" disabled=${busy}>${label}</button></div>
    ${problem && html`<div id=${id + '-problem'} class="notice bad" role="alert" data-testid="violations">
      <strong>${problem.status ? problem.status + ' ' : ''}${problem.message}</strong>
      ${problem.errors.length > 0 && html`<ul>${problem.errors.map((v) => html`<li><code>${v.pointer || '/'}</code> ${v.message}</li>`)}</ul>`}
    </div>`}
    ${result && html`<p class="notice ok" role="status">Accepted: event <a href=${'#/events/' + result.event_id}>${result.event_id}</a></p>`}
  </form>`;
}

function Secrets({ trigger, can }) {
  const [items, setItems] = useState(null);
  const [shown, setShown] = useState(null);
  const [problem, setProblem] = useState(null);
  const [ask, dialog] = useConfirm();
  const load = () => api('GET', `/triggers/${trigger.id}/secrets`).then((d) => setItems(d.items)).catch((e) => setProblem(problemOf(e)));
  useEffect(() => { load(); }, [trigger.id]);
  async function rotate() {
    if (!(await ask('Rotate the signing secret?', 'A new secret signs from now on; the current ones keep signing for 24 hours, then expire.', 'Rotate'))) return;
    try {
      const r = await api('POST', `/triggers/${trigger.id}/secrets`, {});
      setShown(r.secret);
      load();
    } catch (e) { setProblem(problemOf(e)); }
  }
  async function remove(s) {
    if (!(await ask('Delete this secret?', `${s.prefix} stops signing at once.`, 'Delete'))) return;
    try { await api('DELETE', `/triggers/${trigger.id}/secrets/${s.id}`); load(); } catch (e) { setProblem(problemOf(e)); }
  }
  return html`<section class="panel" aria-labelledby="secrets-title">
    <h3 id="secrets-title">Webhook signing secrets</h3>
    ${shown && html`<div class="notice ok" role="status"><p>The new secret, shown this once:</p><p class="secret" data-testid="new-secret">${shown}</p></div>`}
    <${Errors} problem=${problem} />
    ${items && (items.length === 0 ? html`<p class="muted">None.</p>` : html`<div class="table-wrap"><table class="stack">
      <thead><tr><th scope="col">Prefix</th><th scope="col">Created</th><th scope="col">Expires</th>${can.write && html`<th scope="col"><span class="sr-only">Actions</span></th>`}</tr></thead>
      <tbody>${items.map((s) => html`<tr><td data-label="Prefix"><code>${s.prefix}</code></td><td data-label="Created">${time(s.created_at)}</td>
        <td data-label="Expires">${s.expires_at ? time(s.expires_at) : 'never'}</td>
        ${can.write && html`<td><button class="danger" onClick=${() => remove(s)} aria-label=${'Delete secret ' + s.prefix}>Delete</button></td>`}</tr>`)}</tbody></table></div>`)}
    ${can.write && html`<div class="actions"><button onClick=${rotate}>Rotate secret</button></div>`}
    ${dialog}
  </section>`;
}

function describeSchedule(s) {
  if (!s) return '—';
  const what = s.cron ? `cron ${s.cron}` : s.interval_seconds ? `every ${s.interval_seconds} s` : `at ${s.at}`;
  return `${what} (${s.timezone}${s.recurring ? '' : ', once'}, misfire ${s.misfire})`;
}

export function TriggerDetail({ id, can }) {
  const [trigger, setTrigger] = useState(null);
  const [problem, setProblem] = useState(null);
  const [notice, setNotice] = useState(() => { const f = flash; flash = null; return f; });
  const [ask, dialog] = useConfirm();
  const events = useLiveEvents({ trigger_id: id, show_test: true, page_size: 10 }, true);
  const load = () => api('GET', `/triggers/${id}`).then(setTrigger).catch((e) => setProblem(problemOf(e)));
  useEffect(() => { load(); }, [id]);

  async function act(path, message) {
    try { await api('POST', `/triggers/${id}/${path}`); setNotice({ text: message }); load(); } catch (e) { setProblem(problemOf(e)); }
  }
  async function remove() {
    if (!(await ask('Delete this trigger?', `“${trigger.name}” and its schedule are deleted; its events stay until retention drops them.`, 'Delete trigger'))) return;
    try { await api('DELETE', `/triggers/${id}`); location.hash = '#/triggers'; } catch (e) { setProblem(problemOf(e)); }
  }
  if (!trigger) return html`<h2>Trigger</h2><${Errors} problem=${problem} />`;
  const t = trigger;
  return html`<h2>${t.name}</h2>
    ${notice && html`<div class="notice ok" role="status">${notice.text}${notice.secret && html`<p class="secret" data-testid="new-secret">${notice.secret}</p>`}</div>`}
    <${Errors} problem=${problem} />
    <section class="panel" aria-label="Definition">
      <dl class="props">
        <dt>id</dt><dd><code>${t.id}</code></dd>
        <dt>type</dt><dd>${t.type}</dd>
        <dt>state</dt><dd><${Badge} kind=${t.active ? 'ok' : ''}>${t.active ? 'active' : 'inactive'}<//></dd>
        ${t.schedule && html`<dt>schedule</dt><dd>${describeSchedule(t.schedule)}</dd>
          <dt>next fire</dt><dd>${time(t.next_fire_at)}</dd><dt>last fired</dt><dd>${time(t.last_fired_at)}</dd>`}
        ${t.cdc && html`<dt>table</dt><dd><code>${t.cdc.table}</code> (${(t.cdc.operations || []).join(', ')})</dd>
          <dt>filter</dt><dd><pre>${json(t.cdc.filter)}</pre></dd>`}
        ${t.type === 'api' && html`<dt>payload schema</dt><dd><pre>${json(t.api_schema)}</pre></dd>`}
        ${t.type === 'scheduled' && html`<dt>payload</dt><dd><pre>${json(t.payload)}</pre></dd>`}
        <dt>target</dt><dd>${t.target ? html`${t.target.method} <code>${t.target.url}</code> (timeout ${t.target.timeout_ms} ms)` : 'none'}</dd>
        <dt>retry</dt><dd>${t.retry.schedule ? `${t.retry.max_attempts} attempts, waits ${t.retry.schedule.join(', ')} s` : `${t.retry.max_attempts} attempts, backoff ${t.retry.initial_backoff_ms}–${t.retry.max_backoff_ms} ms`}</dd>
        <dt>version</dt><dd>${t.version}, updated ${time(t.updated_at)}</dd>
      </dl>
      ${can.write && html`<div class="actions">
        <a class="button" href=${`#/triggers/${id}/edit`}>Edit</a>
        ${t.active ? html`<button onClick=${() => act('deactivate', 'Deactivated.')}>Deactivate</button>`
                   : html`<button onClick=${() => act('activate', 'Activated.')}>Activate</button>`}
        <button class="danger" onClick=${remove}>Delete</button>
      </div>`}
    </section>
    ${can.fire && t.type === 'api' && html`<${PayloadFire} trigger=${t} mode="fire" />`}
    ${can.write && html`<${PayloadFire} trigger=${t} mode="test" />`}
    ${t.target && html`<${Secrets} trigger=${t} can=${can} />`}
    <section class="panel" aria-labelledby="recent-title">
      <h3 id="recent-title">Recent events <span class="live">(live)</span></h3>
      <${EventsTable} state=${events} showTrigger=${false} />
      <p><a href=${'#/events?trigger_id=' + id}>All events of this trigger</a></p>
    </section>
    ${dialog}`;
}

// ---- the form --------------------------------------------------------------------------------

const EMPTY = {
  name: '', type: 'api', active: true,
  schedKind: 'cron', cron: '0 9 * * MON-FRI', interval_seconds: '3600', at: '', timezone: 'UTC',
  recurring: true, misfire: 'fire_once', start_at: '', end_at: '', payload: '{}',
  api_schema: '',
  cdc_table: '', cdc_ops: ['insert', 'update', 'delete'], cdc_filter: '',
  hasTarget: false, target_url: '', target_method: 'POST', target_headers: '{}', target_timeout_ms: '15000', target_secret: '',
  target_body: undefined, retry_schedule: null,
  retry_max_attempts: '8', retry_initial_backoff_ms: '1000', retry_max_backoff_ms: '600000',
};

function fromTrigger(t) {
  const f = { ...EMPTY, name: t.name, type: t.type, active: t.active };
  if (t.schedule) {
    const s = t.schedule;
    f.schedKind = s.cron ? 'cron' : s.interval_seconds ? 'interval' : 'at';
    f.cron = s.cron || EMPTY.cron;
    f.interval_seconds = String(s.interval_seconds || EMPTY.interval_seconds);
    f.at = s.at || '';
    f.timezone = s.timezone || 'UTC';
    f.recurring = s.recurring;
    f.misfire = s.misfire || 'fire_once';
    f.start_at = s.start_at || '';
    f.end_at = s.end_at || '';
    f.payload = json(t.payload ?? {});
  }
  if (t.type === 'api') f.api_schema = t.api_schema == null ? '' : json(t.api_schema);
  if (t.cdc) {
    f.cdc_table = t.cdc.table;
    f.cdc_ops = t.cdc.operations || [];
    f.cdc_filter = t.cdc.filter == null ? '' : json(t.cdc.filter);
  }
  if (t.target) {
    f.hasTarget = true;
    f.target_url = t.target.url;
    f.target_method = t.target.method;
    f.target_headers = json(t.target.headers || {});
    f.target_timeout_ms = String(t.target.timeout_ms);
    f.target_body = t.target.body;  // kept as is: the form does not edit it
  }
  f.retry_max_attempts = String(t.retry.max_attempts);
  // A schedule is kept as is (the backoff fields then keep their defaults and are not sent).
  f.retry_schedule = t.retry.schedule || null;
  if (!t.retry.schedule) {
    f.retry_initial_backoff_ms = String(t.retry.initial_backoff_ms);
    f.retry_max_backoff_ms = String(t.retry.max_backoff_ms);
  }
  return f;
}

// A number field as the API expects it: an integer when it looks like one, else the text (so
// that the API's own validation names the field).
function num(text) {
  return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

function scheduleOf(f) {
  const s = { timezone: f.timezone.trim() || 'UTC' };
  if (f.schedKind === 'cron') s.cron = f.cron;
  else if (f.schedKind === 'interval') s.interval_seconds = num(f.interval_seconds);
  else s.at = f.at.trim();
  if (!(f.schedKind === 'at')) s.recurring = f.recurring;
  s.misfire = f.misfire;
  if (f.start_at.trim()) s.start_at = f.start_at.trim();
  if (f.end_at.trim()) s.end_at = f.end_at.trim();
  return s;
}

// The request body, or throws {errors} for JSON editors that do not hold JSON.
function toBody(f) {
  const errors = [];
  const parse = (text, pointer, opts) => {
    try { return parseJson(text, pointer, opts); } catch (e) { errors.push(e); return undefined; }
  };
  const body = { name: f.name, type: f.type, active: f.active };
  if (f.type === 'scheduled') {
    body.schedule = scheduleOf(f);
    body.payload = parse(f.payload, '/payload', { emptyAs: {} });
  }
  if (f.type === 'api') {
    const schema = parse(f.api_schema, '/api_schema', { emptyAs: null });
    if (schema !== null) body.api_schema = schema;
  }
  if (f.type === 'cdc') {
    body.cdc = { table: f.cdc_table, operations: f.cdc_ops };
    const filter = parse(f.cdc_filter, '/cdc/filter', { emptyAs: null });
    if (filter !== null) body.cdc.filter = filter;
  }
  if (f.hasTarget) {
    body.target = {
      url: f.target_url, method: f.target_method,
      headers: parse(f.target_headers, '/target/headers', { emptyAs: {} }),
      timeout_ms: num(f.target_timeout_ms),
    };
    if (f.target_secret.trim()) body.target.secret = f.target_secret.trim();
    if (f.target_body !== undefined) body.target.body = f.target_body;
  }
  body.retry = f.retry_schedule ? { schedule: f.retry_schedule } : {
    max_attempts: num(f.retry_max_attempts),
    initial_backoff_ms: num(f.retry_initial_backoff_ms),
    max_backoff_ms: num(f.retry_max_backoff_ms),
  };
  if (errors.length) throw { errors };
  return body;
}

const POINTERS = [
  '/name', '/type', '/active', '/schedule', '/schedule/cron', '/schedule/interval_seconds', '/schedule/at',
  '/schedule/timezone', '/schedule/recurring', '/schedule/misfire', '/schedule/start_at', '/schedule/end_at',
  '/payload', '/api_schema', '/cdc', '/cdc/table', '/cdc/operations', '/cdc/filter', '/target', '/target/url',
  '/target/method', '/target/headers', '/target/timeout_ms', '/target/secret', '/retry', '/retry/max_attempts',
  '/retry/initial_backoff_ms', '/retry/max_backoff_ms',
];

const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC', 'Europe/Berlin'];

function SchedulePreview({ f }) {
  const [state, setState] = useState({ times: null, problem: null });
  const schedule = scheduleOf(f);
  const key = JSON.stringify(schedule);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api('POST', '/schedules/preview', { schedule, count: 5 })
        .then((r) => live && setState({ times: r.times, zone: r.timezone, problem: null }))
        .catch((e) => live && setState({ times: null, problem: problemOf(e) }));
    }, 300);
    return () => { live = false; clearTimeout(t); };
  }, [key]);
  return html`<div class="field" aria-live="polite">
    <span class="label" id="preview-title">Next fire times</span>
    ${state.times && (state.times.length === 0
      ? html`<p class="muted">None: the schedule has ended.</p>`
      : html`<ol class="times" aria-labelledby="preview-title" data-testid="cron-preview">
          ${state.times.map((t) => html`<li><time datetime=${t.at}>${t.local}</time> <span class="muted">(${t.at.replace(/\.0+Z$/, 'Z')})</span></li>`)}</ol>
        <span class="hint">Wall clock in ${state.zone}, UTC in brackets.</span>`)}
    ${state.problem && html`<p class="error">${state.problem.errors.length ? state.problem.errors.map((e) => `${e.pointer}: ${e.message}`).join('; ') : state.problem.message}</p>`}
  </div>`;
}

function FilterTester({ f }) {
  const [op, setOp] = useState('u');
  const [before, setBefore] = useState('{"status": "up"}');
  const [after, setAfter] = useState('{"status": "down"}');
  const [result, setResult] = useState(null);
  const [problem, setProblem] = useState(null);
  const { byField } = assignErrors(problem?.errors, ['/filter', '/change/before', '/change/after', '/change/op']);
  async function test() {
    setResult(null);
    setProblem(null);
    const errors = [];
    const parse = (text, pointer) => { try { return parseJson(text, pointer, { emptyAs: null }); } catch (e) { errors.push(e); return null; } };
    const filter = parse(f.cdc_filter, '/filter');
    const change = { op, before: parse(before, '/change/before'), after: parse(after, '/change/after') };
    if (f.cdc_table) change.table = f.cdc_table;
    if (errors.length) { setProblem({ message: 'Not JSON', errors }); return; }
    try {
      setResult(await api('POST', '/filters/test', { filter, change, operations: f.cdc_ops }));
    } catch (e) { setProblem(problemOf(e)); }
  }
  return html`<fieldset><legend>Test against a sample change</legend>
    <div class="row">
      <${Field} label="Operation" errors=${byField['/change/op']} control=${(p) => html`<select ...${p} value=${op} onChange=${(e) => setOp(e.target.value)}>
        <option value="c">insert (c)</option><option value="u">update (u)</option><option value="d">delete (d)</option></select>`} />
    </div>
    <div class="row">
      <${Field} label="before (JSON row, or empty)" errors=${byField['/change/before']} control=${(p) => html`<textarea ...${p} class="code" spellcheck="false" value=${before} onInput=${(e) => setBefore(e.target.value)}></textarea>`} />
      <${Field} label="after (JSON row, or empty)" errors=${byField['/change/after']} control=${(p) => html`<textarea ...${p} class="code" spellcheck="false" value=${after} onInput=${(e) => setAfter(e.target.value)}></textarea>`} />
    </div>
    <div class="actions"><button type="button" onClick=${test}>Test filter</button></div>
    <div aria-live="polite" data-testid="filter-result">
      ${result && html`<p class=${'notice ' + (result.matches ? 'ok' : 'bad')}>${result.matches ? 'Matches: this change would fire the trigger.'
        : !result.operation_matches ? 'Does not match: the operation is not one the trigger watches.' : 'Does not match the filter.'}</p>`}
      ${problem && html`<p class="error" role="alert">${byField['/filter'] ? 'filter: ' + byField['/filter'].join('; ') : problem.message}</p>`}
    </div>
  </fieldset>`;
}

export function TriggerForm({ id }) {
  const [f, setF] = useState(id ? null : EMPTY);
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef(null);
  useEffect(() => {
    if (id) api('GET', `/triggers/${id}`).then((t) => setF(fromTrigger(t))).catch((e) => setProblem(problemOf(e)));
  }, [id]);
  if (!f) return html`<h2>Edit trigger</h2><${Errors} problem=${problem} />`;
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const { byField, general } = assignErrors(problem?.errors, POINTERS);
  const err = (p) => byField[p];

  async function submit(e) {
    e.preventDefault();
    setProblem(null);
    let body;
    try { body = toBody(f); } catch (x) {
      setProblem({ message: 'Some fields do not hold JSON', errors: x.errors });
      focusInvalid();
      return;
    }
    setBusy(true);
    try {
      const t = id ? await api('PUT', `/triggers/${id}`, body) : await api('POST', '/triggers', body);
      const secret = t.target && t.target.secret;
      const warnings = (t.warnings || []).join(' ');
      flash = { text: (id ? 'Saved.' : 'Created.') + (secret ? ' The webhook signing secret, shown this once:' : '') + (warnings ? ' ' + warnings : ''), secret };
      location.hash = '#/triggers/' + t.id;
    } catch (x) {
      setProblem(problemOf(x));
      focusInvalid();
    } finally {
      setBusy(false);
    }
  }
  function focusInvalid() {
    setTimeout(() => {
      const el = formRef.current && (formRef.current.querySelector('[aria-invalid="true"]') || formRef.current.querySelector('[role="alert"]'));
      if (el) el.focus();
    }, 0);
  }
  const input = (k, extra = {}) => (p) => html`<input ...${p} ...${extra} value=${f[k]} onInput=${set(k)} />`;
  const area = (k, placeholder) => (p) => html`<textarea ...${p} class="code" spellcheck="false" placeholder=${placeholder} value=${f[k]} onInput=${set(k)}></textarea>`;
  const toggleOp = (op) => (e) => setF({ ...f, cdc_ops: e.target.checked ? [...f.cdc_ops, op] : f.cdc_ops.filter((o) => o !== op) });

  return html`<h2>${id ? 'Edit trigger' : 'New trigger'}</h2>
    <form ref=${formRef} onSubmit=${submit} novalidate>
      <${Errors} problem=${problem} general=${general} />
      <div class="panel">
        <div class="row">
          <${Field} label="Name" errors=${err('/name')} control=${input('name', { required: true, autocomplete: 'off' })} />
          <${Field} label="Type" errors=${err('/type')} control=${(p) => html`<select ...${p} value=${f.type} onChange=${set('type')} disabled=${!!id}>
            <option value="api">api (fired by a client)</option><option value="scheduled">scheduled</option><option value="cdc">cdc (row changes)</option></select>`} />
        </div>
        <div class="checks"><label><input type="checkbox" checked=${f.active} onChange=${set('active')} /> Active</label></div>
      </div>

      ${f.type === 'scheduled' && html`<fieldset class="panel"><legend>Schedule</legend>
        ${err('/schedule') && html`<p class="error" role="alert">${err('/schedule').join('; ')}</p>`}
        <div class="checks" role="radiogroup" aria-label="Kind of schedule">
          ${[['cron', 'cron expression'], ['interval', 'fixed interval'], ['at', 'once, at a time']].map(([k, l]) => html`
            <label><input type="radio" name="schedKind" value=${k} checked=${f.schedKind === k} onChange=${set('schedKind')} /> ${l}</label>`)}
        </div>
        <div class="row">
          ${f.schedKind === 'cron' && html`<${Field} label="Cron" hint="min hour day month weekday, or 6 fields with seconds first; @daily etc." errors=${err('/schedule/cron')} control=${input('cron', { autocomplete: 'off', spellcheck: false })} />`}
          ${f.schedKind === 'interval' && html`<${Field} label="Every (seconds)" errors=${err('/schedule/interval_seconds')} control=${input('interval_seconds', { inputmode: 'numeric' })} />`}
          ${f.schedKind === 'at' && html`<${Field} label="At (RFC 3339)" hint="e.g. 2027-01-01T09:00:00Z" errors=${err('/schedule/at')} control=${input('at')} />`}
          <${Field} label="Time zone" errors=${err('/schedule/timezone')} control=${(p) => html`<input ...${p} list="zones" value=${f.timezone} onInput=${set('timezone')} autocomplete="off" /><datalist id="zones">${ZONES.map((z) => html`<option value=${z} />`)}</datalist>`} />
        </div>
        <${SchedulePreview} f=${f} />
        <div class="row">
          ${f.schedKind !== 'at' && html`<div class="checks field"><label><input type="checkbox" checked=${f.recurring} onChange=${set('recurring')} /> Recurring</label></div>`}
          <${Field} label="Misfire policy" errors=${err('/schedule/misfire')} control=${(p) => html`<select ...${p} value=${f.misfire} onChange=${set('misfire')}>
            <option value="fire_once">fire once</option><option value="skip">skip</option><option value="fire_all">fire all</option></select>`} />
          <${Field} label="Start at (optional)" errors=${err('/schedule/start_at')} control=${input('start_at', { placeholder: 'RFC 3339' })} />
          <${Field} label="End at (optional)" errors=${err('/schedule/end_at')} control=${input('end_at', { placeholder: 'RFC 3339' })} />
        </div>
        <${Field} label="Payload of each firing (JSON)" errors=${err('/payload')} control=${area('payload')} />
      </fieldset>`}

      ${f.type === 'api' && html`<fieldset class="panel"><legend>Payload schema</legend>
        <${Field} label="JSON Schema (draft 7) or the short form" hint='Empty accepts any payload. Short form: {"amount": "float", "currency": "str"}'
          errors=${err('/api_schema')} control=${area('api_schema', '{"type": "object", "required": ["amount"], "properties": {"amount": {"type": "number"}}}')} />
      </fieldset>`}

      ${f.type === 'cdc' && html`<fieldset class="panel"><legend>Change data capture</legend>
        ${err('/cdc') && html`<p class="error" role="alert">${err('/cdc').join('; ')}</p>`}
        <${Field} label="Table" hint="schema.table of the source database" errors=${err('/cdc/table')} control=${input('cdc_table', { placeholder: 'public.monitors', autocomplete: 'off' })} />
        <fieldset><legend>Operations</legend><div class="checks">
          ${['insert', 'update', 'delete'].map((op) => html`<label><input type="checkbox" checked=${f.cdc_ops.includes(op)} onChange=${toggleOp(op)} /> ${op}</label>`)}
        </div>${err('/cdc/operations') && html`<p class="error" role="alert">${err('/cdc/operations').join('; ')}</p>`}</fieldset>
        <${Field} label="Filter (EventBridge-style pattern, JSON)" hint="Empty fires on every change of the table."
          errors=${err('/cdc/filter')} control=${area('cdc_filter', '{"after": {"status": ["down"]}}')} />
        <${FilterTester} f=${f} />
      </fieldset>`}

      <fieldset class="panel"><legend>Webhook target</legend>
        ${err('/target') && html`<p class="error" role="alert">${err('/target').join('; ')}</p>`}
        <div class="checks"><label><input type="checkbox" checked=${f.hasTarget} onChange=${set('hasTarget')} /> Deliver events to a webhook</label></div>
        ${f.hasTarget && html`<div class="row">
          <${Field} label="URL" errors=${err('/target/url')} control=${input('target_url', { type: 'url', placeholder: 'https://example.com/hooks', autocomplete: 'off' })} />
          <${Field} label="Method" errors=${err('/target/method')} control=${(p) => html`<select ...${p} value=${f.target_method} onChange=${set('target_method')}>
            <option>POST</option><option>PUT</option><option>PATCH</option></select>`} />
          <${Field} label="Timeout (ms)" errors=${err('/target/timeout_ms')} control=${input('target_timeout_ms', { inputmode: 'numeric' })} />
        </div>
        <${Field} label="Headers (JSON object)" errors=${err('/target/headers')} control=${area('target_headers')} />
        <${Field} label="Signing secret (optional)" hint=${id ? 'Empty keeps the current secrets.' : 'Empty: one is generated and shown once.'}
          errors=${err('/target/secret')} control=${input('target_secret', { type: 'password', autocomplete: 'new-password' })} />`}
      </fieldset>

      <fieldset class="panel"><legend>Retries</legend>
        <div class="row">
          <${Field} label="Max attempts" errors=${err('/retry/max_attempts')} control=${input('retry_max_attempts', { inputmode: 'numeric' })} />
          <${Field} label="First backoff (ms)" errors=${err('/retry/initial_backoff_ms')} control=${input('retry_initial_backoff_ms', { inputmode: 'numeric' })} />
          <${Field} label="Max backoff (ms)" errors=${err('/retry/max_backoff_ms')} control=${input('retry_max_backoff_ms', { inputmode: 'numeric' })} />
        </div>
      </fieldset>

      <div class="actions">
        <button class="primary" type="submit" disabled=${busy}>${id ? 'Save' : 'Create trigger'}</button>
        <a href=${id ? '#/triggers/' + id : '#/triggers'}>Cancel</a>
      </div>
    </form>`;
}
