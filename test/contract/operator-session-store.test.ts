import { InMemoryOperatorSessionStore } from '../../src/adapters/outbound/memory/in-memory-operator-session-store.js';
import { operatorSessionStoreContract } from './operator-session-store.contract.js';

operatorSessionStoreContract('in-memory', { open: async () => new InMemoryOperatorSessionStore() });
