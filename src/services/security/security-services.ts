// Opens what the `apikey` and `audit` commands need: the store of the data directory, with the
// API key service and the audit log over it, closed by `withSecurityServices` when done.

import { dataDir } from '../config/paths.js';
import { openStore } from '../store/database.js';
import { ApiKeyService } from './api-keys.js';
import { AuditLog } from './audit-log.js';

export interface SecurityServices {
  apiKeys: ApiKeyService;
  audit: AuditLog;
}

/** Runs `body` over the store of WEFT_DATABASE_URL or the data directory; the store is always closed. */
export async function withSecurityServices<T>(body: (services: SecurityServices) => Promise<T>, options: { dataDir?: string; url?: string } = {}): Promise<T> {
  const store = await openStore({ dataDir: options.dataDir ?? dataDir(), ...(options.url !== undefined ? { url: options.url } : {}) });
  try {
    return await body({ apiKeys: new ApiKeyService(store), audit: new AuditLog(store) });
  } finally {
    await store.close();
  }
}
