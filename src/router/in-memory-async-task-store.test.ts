import { runAsyncTaskStoreContract } from './async-task-store-contract.js';
import { InMemoryAsyncTaskStore } from './in-memory-async-task-store.js';

runAsyncTaskStoreContract('in-memory store', () => new InMemoryAsyncTaskStore());
