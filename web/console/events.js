// Events: the log with its filters and cursor paging, live (new events appear without a
// reload: the first page is polled every two seconds), one event with its deliveries and
// their attempts (redeliver, archive), and the counts per trigger.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from './api.js';
import { Badge, Errors, Field, html, json, problemOf, time, useConfirm } from './ui.js';

const POLL_MS = 2000;

// The first page of events matching `filters`, refreshed every POLL_MS while `live`; or the
// page at `cursor`. Rows that were not there before are flagged as new.
export function useLiveEvents(filters, live, cursor) {
  const [state, setState] = useState({ items: null, has_more: false, next_cursor: null, fresh: new Set(), added: 0, problem: null });
  const seen = useRef(null);
  const key = JSON.stringify(filters) + '|' + (cursor || '');
  useEffect(() => {
    seen.current = null;
    let stopped = false;
    let timer = null;
    async function load() {
      try {
        const page = await api('GET', '/events' + query({ ...filters, cursor }));
        if (stopped) return;
        const fresh = new Set();
        if (seen.current) for (const e of page.items) if (!seen.current.has(e.id)) fresh.add(e.id);
        seen.current = new Set([...(seen.current || []), ...page.items.map((e) => e.id)]);
        setState({ ...page, fresh, added: fresh.size, problem: null });
      } catch (e) {
        if (!stopped) setState((s) => ({ ...s, problem: problemOf(e) }));
      }
      if (!stopped && live && !cursor) timer = setTimeout(load, POLL_MS);
    }
    load();
    return () => { stopped = true; clearTimeout(timer); };
  }, [key, live]);
  return state;
}

function sourceBadge(e) {
  return html`${e.source}${e.is_test ? html` <${Badge} kind="warn">test<//>` : ''}`;
}

export function EventsTable({ state, showTrigger = true }) {
  if (state.problem && !state.items) return html`<${Errors} problem=${state.problem} />`;
  if (!state.items) return html`<p class="muted">Loading…</p>`;
  return html`<p class="sr-only" aria-live="polite">${state.added > 0 ? `${state.added} new event${state.added === 1 ? '' : 's'}` : ''}</p>
    ${state.items.length === 0 ? html`<p class="muted">No events.</p>` : html`<div class="table-wrap"><table class="stack" data-testid="events-table">
    <thead><tr><th scope="col">Triggered</th>${showTrigger && html`<th scope="col">Trigger</th>`}<th scope="col">Source</th><th scope="col">Status</th><th scope="col">Event</th></tr></thead>
    <tbody>${state.items.map((e) => html`<tr key=${e.id} class=${state.fresh.has(e.id) ? 'new' : ''}>
      <td data-label="Triggered">${time(e.triggered_at)}</td>
      ${showTrigger && html`<td data-label="Trigger"><a href=${'#/triggers/' + e.trigger.id}>${e.trigger.name}</a> <span class="muted">${e.trigger.type}</span></td>`}
      <td data-label="Source">${sourceBadge(e)}</td>
      <td data-label="Status"><${Badge} kind=${e.status === 'active' ? 'ok' : ''}>${e.status}<//></td>
      <td data-label="Event"><a href=${'#/events/' + e.id}><code>${e.id.slice(0, 13)}…</code><span class="sr-only"> ${e.id}</span></a></td>
    </tr>`)}</tbody></table></div>`}`;
}

function hashParams() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : location.hash.slice(i + 1));
}

function isoOrEmpty(local) {
  if (!local) return '';
  const d = new Date(local);
  return isNaN(d) ? '' : d.toISOString();
}

export function EventList() {
  const initial = hashParams();
  const [status, setStatus] = useState('active');
  const [triggerId, setTriggerId] = useState(initial.get('trigger_id') || '');
  const [type, setType] = useState('');
  const [source, setSource] = useState('');
  const [showTest, setShowTest] = useState(true);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [live, setLive] = useState(true);
  const [cursors, setCursors] = useState([]);  // the cursors of the pages before this one, and this one's
  const [triggers, setTriggers] = useState([]);
  useEffect(() => { api('GET', '/triggers?page_size=500').then((d) => setTriggers(d.items)).catch(() => {}); }, []);
  const filters = {
    status, trigger_id: triggerId, type, source, show_test: showTest ? 'true' : '',
    since: isoOrEmpty(since), until: isoOrEmpty(until), page_size: 25,
  };
  const cursor = cursors.length ? cursors[cursors.length - 1] : undefined;
  const state = useLiveEvents(filters, live, cursor);
  const reset = (setter) => (e) => { setter(e.target.type === 'checkbox' ? e.target.checked : e.target.value); setCursors([]); };

  return html`<h2>Events</h2>
    <form class="panel" role="search" aria-label="Filter events" onSubmit=${(e) => e.preventDefault()}>
      <fieldset><legend>Which events</legend><div class="checks">
        ${['active', 'archived', 'all'].map((s) => html`<label><input type="radio" name="status" value=${s} checked=${status === s} onChange=${reset(setStatus)} /> ${s}</label>`)}
      </div></fieldset>
      <div class="row">
        <${Field} label="Trigger" control=${(p) => html`<select ...${p} value=${triggerId} onChange=${reset(setTriggerId)}>
          <option value="">any</option>${triggers.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
          ${triggerId && !triggers.some((t) => t.id === triggerId) && html`<option value=${triggerId}>${triggerId}</option>`}</select>`} />
        <${Field} label="Type" control=${(p) => html`<select ...${p} value=${type} onChange=${reset(setType)}>
          <option value="">any</option><option>scheduled</option><option>api</option><option>cdc</option></select>`} />
        <${Field} label="Source" control=${(p) => html`<select ...${p} value=${source} onChange=${reset(setSource)}>
          <option value="">any</option><option>api</option><option>schedule</option><option>cdc</option><option>test</option></select>`} />
        <${Field} label="Since" control=${(p) => html`<input ...${p} type="datetime-local" value=${since} onChange=${reset(setSince)} />`} />
        <${Field} label="Until" control=${(p) => html`<input ...${p} type="datetime-local" value=${until} onChange=${reset(setUntil)} />`} />
      </div>
      <div class="checks">
        <label><input type="checkbox" checked=${showTest} onChange=${reset(setShowTest)} /> Show test firings</label>
        <label><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.target.checked)} /> Live (new events appear on the first page)</label>
      </div>
    </form>
    ${state.problem && html`<${Errors} problem=${state.problem} />`}
    <${EventsTable} state=${state} />
    <div class="actions" aria-label="Pages">
      <button disabled=${!cursors.length} onClick=${() => setCursors([])}>Newest</button>
      <button disabled=${!state.has_more} onClick=${() => setCursors([...cursors, state.next_cursor])}>Older</button>
      ${cursors.length > 0 && html`<span class="muted">Page ${cursors.length + 1} (live updates show on the first page)</span>`}
    </div>`;
}

function excerpt(text, n = 200) {
  if (text == null) return '—';
  return text.length > n ? text.slice(0, n) + '…' : text;
}

export function EventDetail({ id, can }) {
  const [event, setEvent] = useState(null);
  const [problem, setProblem] = useState(null);
  const [notice, setNotice] = useState(null);
  const [ask, dialog] = useConfirm();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    api('GET', `/events/${id}`).then((e) => !stopped && setEvent(e)).catch((e) => !stopped && setProblem(problemOf(e)));
    // Delivery attempts arrive as the dispatcher works: refresh while the page is open.
    const t = setTimeout(() => setTick(tick + 1), POLL_MS);
    return () => { stopped = true; clearTimeout(t); };
  }, [id, tick]);

  async function redeliver() {
    try {
      const r = await api('POST', `/events/${id}/redeliver`);
      setNotice(`Delivery #${r.delivery} queued.`);
      setTick(tick + 1);
    } catch (e) { setProblem(problemOf(e)); }
  }
  async function archive() {
    if (!(await ask('Archive this event now?', 'It moves to the archived events before its time; this cannot be undone.', 'Archive'))) return;
    try { setEvent({ ...event, ...(await api('POST', `/events/${id}/archive`)) }); setNotice('Archived.'); } catch (e) { setProblem(problemOf(e)); }
  }
  if (!event) return html`<h2>Event</h2><${Errors} problem=${problem} />`;
  const e = event;
  return html`<h2>Event <code>${e.id}</code></h2>
    ${notice && html`<p class="notice ok" role="status">${notice}</p>`}
    <${Errors} problem=${problem} />
    <section class="panel" aria-label="Event">
      <dl class="props">
        <dt>trigger</dt><dd><a href=${'#/triggers/' + e.trigger.id}>${e.trigger.name}</a> (${e.trigger.type})</dd>
        <dt>source</dt><dd>${sourceBadge(e)}</dd>
        <dt>status</dt><dd><${Badge} kind=${e.status === 'active' ? 'ok' : ''}>${e.status}<//></dd>
        <dt>triggered</dt><dd>${time(e.triggered_at)}</dd>
        ${e.scheduled_for && html`<dt>scheduled for</dt><dd>${time(e.scheduled_for)}</dd>`}
        <dt>logged</dt><dd>${time(e.logged_at)}</dd>
        ${e.archived_at && html`<dt>archived</dt><dd>${time(e.archived_at)}</dd>`}
      </dl>
      <h3>Payload</h3>
      <pre data-testid="payload">${json(e.payload)}</pre>
      ${can.write && html`<div class="actions">
        <button onClick=${redeliver}>Redeliver</button>
        ${e.status === 'active' && html`<button class="danger" onClick=${archive}>Archive</button>`}
      </div>`}
    </section>
    <section class="panel" aria-labelledby="deliveries-title">
      <h3 id="deliveries-title">Deliveries</h3>
      ${e.deliveries.length === 0 ? html`<p class="muted">None (no target, or not delivered yet).</p>` : html`<div class="table-wrap"><table class="stack" data-testid="attempts">
        <thead><tr><th scope="col">Delivery</th><th scope="col">Attempt</th><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Response</th></tr></thead>
        <tbody>${e.deliveries.flatMap((d) => (d.attempts.length ? d.attempts : [null]).map((a) => html`<tr>
          <td data-label="Delivery">#${d.number} <${Badge} kind=${d.status === 'succeeded' ? 'ok' : d.status === 'dead' ? 'bad' : 'warn'}>${d.status}<//></td>
          <td data-label="Attempt">${a ? a.attempt : '—'}</td>
          <td data-label="Time">${a ? time(a.started_at) : d.next_attempt_at ? html`due ${time(d.next_attempt_at)}` : '—'}</td>
          <td data-label="Status">${a ? (a.http_status != null ? `HTTP ${a.http_status}` : a.error || '—') : '—'}</td>
          <td data-label="Latency">${a ? `${a.latency_ms} ms` : '—'}</td>
          <td data-label="Response">${a ? html`<code>${excerpt(a.response_body ?? a.error)}</code>` : '—'}</td>
        </tr>`))}</tbody></table></div>`}
    </section>
    ${dialog}`;
}

export function Aggregate() {
  const [showTest, setShowTest] = useState(false);
  const [data, setData] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    let stopped = false;
    let timer = null;
    const load = () => api('GET', '/events/aggregate' + query({ show_test: showTest ? 'true' : '' }))
      .then((d) => !stopped && (setData(d), setProblem(null)))
      .catch((e) => !stopped && setProblem(problemOf(e)))
      .finally(() => { if (!stopped) timer = setTimeout(load, POLL_MS * 2); });
    load();
    return () => { stopped = true; clearTimeout(timer); };
  }, [showTest]);
  return html`<h2>Events per trigger</h2>
    <div class="checks panel"><label><input type="checkbox" checked=${showTest} onChange=${(e) => setShowTest(e.target.checked)} /> Count test firings</label></div>
    <${Errors} problem=${problem} />
    ${data && (data.items.length === 0 ? html`<p class="muted">No events yet.</p>` : html`<div class="table-wrap"><table class="stack">
      <thead><tr><th scope="col">Trigger</th><th scope="col">Type</th><th scope="col">Active</th><th scope="col">Archived</th><th scope="col">Stored</th><th scope="col">Ever</th><th scope="col">Last fired</th></tr></thead>
      <tbody>${data.items.map((r) => html`<tr>
        <td data-label="Trigger"><a href=${'#/events?trigger_id=' + r.trigger_id}>${r.trigger_name}</a></td>
        <td data-label="Type">${r.trigger_type}</td><td data-label="Active">${r.active}</td><td data-label="Archived">${r.archived}</td>
        <td data-label="Stored">${r.total}</td><td data-label="Ever">${r.lifetime_total}</td><td data-label="Last fired">${time(r.last_fired_at)}</td></tr>`)}
      </tbody></table></div>`)}`;
}
