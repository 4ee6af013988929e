#!/usr/bin/env node
// Small helpers for scripts/install.sh and the Ansible role, run with the Node.js
// camstream uses. They read the config through the *installed* app's own loader (so env
// overrides and defaults are exactly what the service sees).
//   node appliance.js health [UNIT]             -> "<verdict> <detail>", one line (below)
//   node appliance.js urls APP CONFIG           -> the LAN URLs to open, one a line
//   node appliance.js set-port FILE PORT        -> set server.port in a JSON config file
//
// Health comes from systemd, not from GET /healthz: the unit is Type=notify and the
// service's main process reports READY=1 once it listens and a STATUS= line every few
// seconds ("testpattern live 15.0 fps, 0/20 viewers", see src/platform/service-heartbeat.ts).
// An HTTP probe from 127.0.0.1 fails on every secured camera (auth.users -> 401, TLS ->
// no HTTP, server.allow without 127.0.0.1 -> 403), and giving the probe a way in would
// open a hole. systemd accepts STATUS= only from the unit's main PID (NotifyAccess=main),
// so nothing else on the machine can make a broken version look healthy.
'use strict';
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

function loadServer(app, config) {
  const { loadConfig } = require(path.join(app, 'dist/src/config/load.js'));
  return loadConfig({ path: config }).config.server;
}

const PROPS = ['ActiveState', 'SubState', 'StatusText', 'Result', 'ExecMainStatus'];

/** `systemctl show` output ("Key=value" lines) as an object. */
function parseShow(text) {
  const props = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) props[line.slice(0, i)] = line.slice(i + 1);
  }
  return props;
}

/**
 * The verdict on a unit from its systemd properties, as "<verdict> <detail>":
 *   live    running, STATUS= says the camera delivers frames       (/healthz 200)
 *   idle    running, camera released on purpose (camera.idle=stop) (/healthz 200)
 *   up      running, but the camera is not delivering (or no STATUS= yet)
 * With several cameras, as /healthz: live or idle only when every camera is live or
 * idle (live if any is live), else up.
 *   activating  not READY=1 yet, or waiting to be restarted after a crash
 *   failed  given up (e.g. exit 78: bad config)
 *   down    stopped, or not installed
 */
function verdict(p) {
  const status = p.StatusText || '';
  if (p.ActiveState === 'active' && p.SubState === 'running') {
    // Several cameras: "2 cameras: front live, nozzle idle | …details…"
    // (camerasStatusLine in service-heartbeat.ts); only the summary before " | " counts.
    const multi = /^\d+ cameras: ([a-z0-9][a-z0-9_-]* [a-z-]+(?:, [a-z0-9][a-z0-9_-]* [a-z-]+)*) \| /.exec(status);
    if (multi) {
      const states = multi[1].split(', ').map((part) => part.split(' ')[1]);
      const ok = states.every((st) => st === 'live' || st === 'idle');
      return `${!ok ? 'up' : states.includes('live') ? 'live' : 'idle'} ${status}`;
    }
    // One camera: "<source kind> <state> <fps> fps, <viewers>" (statusLine in service-heartbeat.ts).
    const m = /^\S+ (live|idle) /.exec(status);
    return `${m ? m[1] : 'up'} ${status || 'no STATUS= yet'}`;
  }
  if (p.ActiveState === 'activating' || p.ActiveState === 'reloading') return `activating ${p.SubState}${status ? `: ${status}` : ''}`;
  if (p.ActiveState === 'failed') return `failed ${p.Result || '?'}, exit status ${p.ExecMainStatus || '?'}`;
  return `down ${p.ActiveState || 'unknown'}/${p.SubState || 'unknown'}`;
}

function health(unit) {
  let out;
  try {
    out = execFileSync('systemctl', ['show', '-p', PROPS.join(','), unit], { encoding: 'utf8', timeout: 10000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return `down systemctl show failed: ${String(err.stderr || err.message).trim().replace(/\s*\n\s*/g, '; ')}`;
  }
  return verdict(parseShow(out));
}

function urls(app, config) {
  const s = loadServer(app, config);
  const out = [];
  const wildcard = s.host === '0.0.0.0' || s.host === '::' || s.host === '';
  if (wildcard) {
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list || []) {
        if (a.internal) continue;
        if (a.family === 'IPv4') out.push(`http://${a.address}:${s.port}/`);
        else if (s.host === '::' && !a.address.startsWith('fe80')) out.push(`http://[${a.address}]:${s.port}/`);
      }
    }
    out.push(`http://${os.hostname()}.local:${s.port}/  (if your phone resolves mDNS names)`);
  } else {
    out.push(`http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}/`);
  }
  return out;
}

async function main() {
  const [cmd, a, b] = process.argv.slice(2);
  switch (cmd) {
    case 'health':
      process.stdout.write(`${health(a || 'camstream')}\n`);
      return;
    case 'urls':
      process.stdout.write(`${urls(a, b).join('\n')}\n`);
      return;
    case 'set-port': {
      const port = Number(b);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port: expected an integer 1..65535, got ${JSON.stringify(b)}`);
      const cfg = JSON.parse(fs.readFileSync(a, 'utf8'));
      cfg.server = { ...(cfg.server || {}), port };
      fs.writeFileSync(a, `${JSON.stringify(cfg, null, 2)}\n`);
      return;
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(cmd)}`);
  }
}

if (require.main !== module) {
  // Required by the tests, which check verdict() against the service's own STATUS= lines.
  module.exports = { parseShow, verdict };
} else {
  main().catch((err) => {
    process.stderr.write(`appliance.js: ${err.message}\n`);
    process.exit(1);
  });
}
