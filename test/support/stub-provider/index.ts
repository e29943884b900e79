// A local stub model server speaking the providers' wire protocols, for tests of the real clients.
export { DEFAULT_STUB_DIMENSIONS, hashedEmbedding, wordStems } from './hashed-embedding.js';
export {
  type FailNextOptions,
  type RecordedRequest,
  type StubProvider,
  type StubProviderOptions,
  startStubProvider,
} from './stub-provider.js';
