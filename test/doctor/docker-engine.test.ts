/**
 * The Docker engine check: this machine's engine answers, an unreachable one is a failure for
 * container labs (with how to start it) and a warning for VM labs, and a too old one fails.
 */
import { createServer, type AddressInfo } from "node:net";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { engineFacts, engineVerdict, type EngineFacts } from "../../src/doctor/docker-engine.js";

const reachable = await new Docker().ping().then(() => true, () => false);

describe("the Docker engine", () => {
  it.skipIf(!reachable)("answers here: ok, with its version and where it was reached", async () => {
    const facts = await engineFacts();
    const version = await new Docker().version();
    expect(engineVerdict(facts, "docker")).toEqual({ status: "ok", detail: `Docker ${facts.reachable ? facts.version : "?"} (API ${version.ApiVersion}) answers at ${process.env.DOCKER_HOST || "unix:///var/run/docker.sock"}` });
    expect(facts.reachable && facts.networks.some((n) => n.name === "bridge")).toBe(true);
  });

  it("fails for container labs when nothing answers, and only warns for VM labs", async () => {
    const facts = await engineFacts({ docker: new Docker({ socketPath: "/nonexistent/docker.sock" }) });
    expect(facts.reachable).toBe(false);
    expect(engineVerdict(facts, "docker")).toMatchObject({ status: "fail", detail: expect.stringMatching(/^no Docker engine answers at .*: connect ENOENT \/nonexistent\/docker\.sock$/), fix: expect.stringMatching(/sudo dockerd/) });
    expect(engineVerdict(facts, "vagrant")).toMatchObject({ status: "warn", detail: expect.stringMatching(/\(container labs only\)$/) });
  });

  it("gives up on an engine that never answers within its timeout, and drops the connection", async () => {
    // A server that accepts connections and never says a word.
    const closed: Promise<void>[] = [];
    const server = createServer((socket) => {
      closed.push(new Promise((resolve) => socket.on("close", () => resolve())));
      socket.resume(); // read (and drop) the request, so that the client's hang-up is seen
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${port}`;
    try {
      const started = Date.now();
      const facts = await engineFacts({ timeoutMs: 300 });
      expect(facts).toEqual({ reachable: false, host: `tcp://127.0.0.1:${port}`, error: "the Docker engine: no answer within 300ms" });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(closed.length).toBeGreaterThan(0);
      await Promise.all(closed);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      server.close();
    }
  });

  it("tells the user to join the docker group when the socket refuses them", () => {
    const facts: EngineFacts = { reachable: false, host: "unix:///var/run/docker.sock", error: "connect EACCES /var/run/docker.sock" };
    expect(engineVerdict(facts, "docker").fix).toBe("let your user reach the engine: sudo usermod -aG docker $USER, then log in again");
  });

  it("fails an engine older than 20.10", () => {
    const old: EngineFacts = { reachable: true, host: "unix:///x", version: "19.03.15", apiVersion: "1.40", cgroupVersion: "1", cgroupDriver: "cgroupfs", rootDir: undefined, networks: [] };
    expect(engineVerdict(old, "docker")).toMatchObject({ status: "fail", fix: "upgrade the Docker engine to 20.10 or later" });
    expect(engineVerdict({ ...old, version: "20.9.1" }, "docker").status).toBe("fail");
    expect(engineVerdict({ ...old, version: "20.10.24+dfsg1", apiVersion: "1.41" }, "docker").status).toBe("ok");
    expect(engineVerdict({ ...old, version: "24.0.7", apiVersion: "1.43" }, "docker").status).toBe("ok");
  });
});
