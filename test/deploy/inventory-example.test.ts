// deploy/inventory.example.yml is what people copy: every Pi in it must render, through
// the role's own defaults (fleet settings, then the host's on top), to an
// /etc/camstream.json that this camstream accepts. Runs Debian's ansible-playbook on
// the controller only (no Pi, no root needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertOk, runTool } from '../helpers/run-tool';

const REPO = path.resolve(__dirname, '..', '..', '..');

test('every Pi in deploy/inventory.example.yml renders to a config camstream check-config accepts', { timeout: 120_000 }, async (t) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-inventory-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  // The role is loaded (so its defaults, including the merge, apply) but none of its
  // tasks run; only the rendered config is written, on the controller.
  const playbook = path.join(work, 'render.yml');
  fs.writeFileSync(
    playbook,
    JSON.stringify([
      {
        hosts: 'camstream',
        gather_facts: false,
        roles: [{ role: 'camstream', when: false }],
        tasks: [
          {
            name: 'render',
            delegate_to: 'localhost',
            // The role's own template, so what is checked is what a Pi gets.
            'ansible.builtin.copy': { content: fs.readFileSync(path.join(REPO, 'deploy', 'roles', 'camstream', 'templates', 'camstream.json.j2'), 'utf8'), dest: `${work}/{{ inventory_hostname }}.json` },
          },
        ],
      },
    ]),
  );
  const r = await runTool('ansible-playbook', ['-i', path.join(REPO, 'deploy', 'inventory.example.yml'), playbook], {
    timeoutMs: 90_000,
    env: { ...process.env, ANSIBLE_ROLES_PATH: path.join(REPO, 'deploy', 'roles'), ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: path.join(work, 'tmp') },
  });
  assertOk(r, `ansible-playbook render\n${r.stdout.toString().slice(-3000)}`);
  const rendered = fs.readdirSync(work).filter((f) => f.endsWith('.json')).sort();
  assert.deepEqual(rendered, ['door-cam.json', 'garage-cam.json', 'printer-cam.json']);
  for (const f of rendered) {
    const file = path.join(work, f);
    const check = await runTool(process.execPath, [path.join(REPO, 'dist', 'src', 'cli.js'), 'check-config', file], { timeoutMs: 30_000 });
    assertOk(check, `camstream check-config ${f}`);
  }
  // The host's settings win key by key; the fleet's fill in the rest.
  const door = JSON.parse(fs.readFileSync(path.join(work, 'door-cam.json'), 'utf8'));
  assert.equal(door.stream.maxClients, 4);
  assert.equal(door.stream.queueTimeoutMs, 5000);
  assert.equal(door.server.port, 8080);
  assert.equal(door.camera.source, 'auto');
  // Camera order is camera index: the template must not sort it (bed < nozzle).
  const printer = JSON.parse(fs.readFileSync(path.join(work, 'printer-cam.json'), 'utf8'));
  assert.deepEqual(Object.keys(printer.cameras), ['nozzle', 'bed']);
});
