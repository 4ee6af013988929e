#!/usr/bin/env node
// Small helpers for scripts/install.sh, run with the Node.js camstream uses. They read
// the config through the *installed* app's own loader (so env overrides and defaults
// are exactly what the service sees) and talk to it over HTTP.
//   node appliance.js endpoint APP CONFIG        -> "HOST PORT" a local client can reach
//   node appliance.js health APP CONFIG          -> "200 {...}" | "503 {...}" | "down <why>"
//   node appliance.js urls APP CONFIG            -> the LAN URLs to open, one a line
//   node appliance.js set-port FILE PORT         -> set server.port in a JSON config file
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

function loadServer(app, config) {
  const { loadConfig } = require(path.join(app, 'dist/src/config/load.js'));
  return loadConfig({ path: config }).config.server;
}

/** Where a client on this machine reaches a server listening on `host`. */
function localHost(host) {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function health(app, config) {
  const s = loadServer(app, config);
  const host = localHost(s.host);
  return new Promise((resolve) => {
    const req = http.get({ host, port: s.port, path: '/healthz', timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c.slice(0, 2000)));
      res.on('end', () => resolve(`${res.statusCode} ${body.trim()}`));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 3 s')));
    req.on('error', (err) => resolve(`down ${err.code || err.message}`));
  });
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
    case 'endpoint': {
      const s = loadServer(a, b);
      process.stdout.write(`${localHost(s.host)} ${s.port}\n`);
      return;
    }
    case 'health':
      process.stdout.write(`${await health(a, b)}\n`);
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

main().catch((err) => {
  process.stderr.write(`appliance.js: ${err.message}\n`);
  process.exit(1);
});
