// The Settings sheet: the camera's own controls (GET …/api/camera/controls), grouped
// picture / exposure / focus / format, as sliders, switches and menus. A change is
// sent at once (PATCH …/api/camera/settings, with the X-Camstream-Request header the
// server requires of writes); the picture shows it within a second or two (a Pi camera
// restarts, a webcam changes live). Read-only, with the server's reason, for someone
// who may not edit; the server's refusal is shown as it words it.
const GROUPS = [['picture', 'Picture'], ['exposure', 'Exposure'], ['focus', 'Focus'], ['format', 'Format']];
const WRITE = { 'Content-Type': 'application/json', 'X-Camstream-Request': '1' };

const el = (tag, props, kids) => {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids || []) e.append(k);
  return e;
};

/** Show the sheet (first call: from the Settings button's first tap); `base`: '' or '/cam/NAME'. */
export function openSettings(base) {
  const sheet = document.getElementById('settings');
  const body = document.getElementById('settings-body');
  const msg = document.getElementById('settings-msg');
  const resetBtn = document.getElementById('settings-reset');
  let editable = false;

  const say = (text, kind) => {
    msg.textContent = text;
    msg.dataset.kind = kind || '';
    msg.hidden = !text;
  };

  async function send(method, payload) {
    say('Applying…', 'busy');
    const res = await fetch(base + '/api/camera/settings', { method, headers: WRITE, body: payload === undefined ? undefined : JSON.stringify(payload), cache: 'no-store' });
    if (!res.ok) {
      // Refusals are plain text: "message (CODE)".
      const text = (await res.text()).trim();
      say('Not applied: ' + text, 'error');
      throw new Error(text);
    }
    const done = await res.json();
    say(done.restarted ? 'Applied (camera restarted' + (done.gapMs ? ', picture back after ' + (done.gapMs / 1000).toFixed(1) + ' s' : '') + ')' : 'Applied', 'ok');
    return done;
  }

  function control(c) {
    const id = 'set-' + c.name;
    const shown = el('output', { htmlFor: id, className: 'val' });
    let input;
    let last = c.value;
    const show = (v) => { shown.textContent = c.type === 'bool' ? '' : String(v); };
    if (c.type === 'bool') {
      input = el('input', { type: 'checkbox', id, checked: c.value === true, className: 'switch' });
    } else if (c.type === 'menu') {
      input = el('select', { id }, c.options.map((o) => el('option', { value: String(o.value), textContent: o.label, selected: o.value === c.value })));
    } else {
      input = el('input', { type: 'range', id, min: String(c.min), max: String(c.max), step: String(c.step || (c.type === 'int' ? 1 : 0.01)), value: String(c.value) });
      input.addEventListener('input', () => show(input.value));
    }
    input.disabled = !editable;
    const read = () => {
      if (c.type === 'bool') return input.checked;
      if (c.type === 'menu') {
        const o = c.options.find((x) => String(x.value) === input.value);
        return o ? o.value : input.value;
      }
      return Number(input.value);
    };
    const put = (v) => {
      if (c.type === 'bool') input.checked = v === true;
      else input.value = String(v);
      show(v);
    };
    // 'change' fires when the finger lifts: one request per gesture, not per pixel.
    input.addEventListener('change', () => {
      const v = read();
      send('PATCH', { [c.name]: v }).then(() => { last = v; show(v); sheet.dataset.applied = c.name + '=' + v; }, () => put(last));
    });
    show(c.value);
    const label = el('label', { htmlFor: id, textContent: c.label });
    const row = el('div', { className: 'setting' + (c.flags && c.flags.includes('inactive') ? ' inactive' : '') }, [label, shown, input]);
    row.dataset.name = c.name;
    return row;
  }

  async function load() {
    say('Loading…', 'busy');
    body.textContent = '';
    const res = await fetch(base + '/api/camera/controls', { cache: 'no-store' });
    if (!res.ok) {
      say((await res.text()).trim(), 'error');
      resetBtn.hidden = true;
      return;
    }
    const info = await res.json();
    editable = info.editable;
    sheet.dataset.editable = String(editable);
    for (const [group, title] of GROUPS) {
      const items = info.controls.filter((c) => c.group === group);
      if (items.length) body.append(el('fieldset', { className: 'group' }, [el('legend', { textContent: title }), ...items.map(control)]));
    }
    resetBtn.hidden = !editable;
    say(editable ? '' : 'Read-only: ' + info.readOnlyReason, editable ? '' : 'info');
  }

  const open = () => {
    sheet.hidden = false;
    load().catch((err) => say('Could not load the settings: ' + err.message, 'error'));
  };
  resetBtn.addEventListener('click', () => { send('DELETE').then(load, () => {}); });
  document.getElementById('settings-open').addEventListener('click', open);
  document.getElementById('settings-close').addEventListener('click', () => { sheet.hidden = true; });
  open();
}
