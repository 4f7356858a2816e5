// Asks a running TEI-compatible server for embeddings through Hugging Face's own JavaScript client
// (@huggingface/inference, feature-extraction against an endpoint URL) and prints one JSON array per text.
import { InferenceClient } from "@huggingface/inference";

const [endpoint, ...texts] = process.argv.slice(2);
if (!endpoint || texts.length === 0) {
  console.error("usage: node check.mjs ENDPOINT_URL TEXT...");
  process.exit(2);
}
const client = new InferenceClient(undefined, { endpointUrl: endpoint });
for (const text of texts) {
  const vector = await client.featureExtraction({ inputs: text });
  // TEI answers /embed with one vector per input: a single text comes back as [[...]].
  console.log(JSON.stringify(Array.isArray(vector[0]) ? vector[0] : vector));
}
