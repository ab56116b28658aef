// Load generator for `bench/search.ts`, run as a child process so the clients do not share the
// server's event loop: `concurrency` clients, each sending its next search as soon as the last
// one answered, over kept-alive connections, for `seconds`. Reports one JSON line.
import { Agent, request } from "node:http";

process.once("message", async ({ url, bodies, concurrency, seconds }) => {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (payload) =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(payload),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const payloads = bodies.map((b) => JSON.stringify(b));
  let next = 0;
  let done = 0;
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const payload = payloads[next++ % payloads.length];
      const t0 = performance.now();
      await post(payload);
      latencies.push(performance.now() - t0);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  process.send({
    perSecond: done / elapsed,
    done,
    p50: latencies[Math.floor(latencies.length / 2)],
  });
  agent.destroy();
});
