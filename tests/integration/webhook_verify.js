// Verifies Standard Webhooks requests with the reference library (npm's
// standardwebhooks, installed into build/node by scripts/install-deps), for
// the tests' webhook receiver (notify_servers.py). One JSON request a line
// on stdin: {"secret", "headers", "body", "now_ms"}; one answer a line on
// stdout: {"ok": true, "data": the parsed body} or {"ok": false, "error"}.
// now_ms is the receiver's clock (the tests' clock), against which the
// library checks webhook-timestamp's tolerance.
"use strict";
const path = require("path");
const readline = require("readline");
const root = process.env.QF_ROOT || path.join(__dirname, "..", "..");
const { Webhook } = require(path.join(root, "build", "node", "node_modules", "standardwebhooks"));
const realNow = Date.now;

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let answer;
  try {
    const request = JSON.parse(line);
    Date.now = request.now_ms ? () => request.now_ms : realNow;
    const data = new Webhook(request.secret).verify(request.body, request.headers);
    answer = { ok: true, data };
  } catch (error) {
    answer = { ok: false, error: String(error && error.message ? error.message : error) };
  } finally {
    Date.now = realNow;
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
