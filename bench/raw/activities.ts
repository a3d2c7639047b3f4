// The raw baseline's activity: the same HTTP call Weft's http task makes.
export function createRawActivities() {
  return {
    async callUrl(url: string): Promise<{ status: number; body: unknown }> {
      const response = await fetch(url);
      return { status: response.status, body: await response.json() };
    },
  };
}
