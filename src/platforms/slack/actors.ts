// Who acted: users.info gives the display name and whether the user is a workspace admin or owner (DomainShift's
// "manager"). Cached per workspace and user for a while, so a burst of votes costs one Web API call.
import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../core/platform.js';

interface CachedActor {
  actor: Actor;
  expiresAt: number;
}

export class ActorDirectory {
  private readonly cache = new Map<string, CachedActor>();

  constructor(
    private readonly client: WebClient,
    private readonly ttlMs = 10 * 60_000,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** The actor for a user; on a Web API failure a non-manager with the name from the event (not cached). */
  async lookup(teamId: string, userId: string, fallbackName?: string): Promise<Actor> {
    const key = `${teamId}/${userId}`;
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.actor;
    try {
      const res = await this.client.users.info({ user: userId });
      const u = res.user;
      const name = u?.profile?.display_name || u?.real_name || u?.name || fallbackName || userId;
      const actor: Actor = { id: userId, name, isManager: Boolean(u?.is_admin || u?.is_owner || u?.is_primary_owner) };
      this.cache.set(key, { actor, expiresAt: Date.now() + this.ttlMs });
      if (this.cache.size > 10_000) this.evictExpired();
      return actor;
    } catch (err) {
      this.onError(err);
      return { id: userId, name: fallbackName || userId, isManager: false };
    }
  }

  private evictExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}
