// Activities of the example code flow: ordinary async functions (I/O lives here).

export interface Order {
  id: string;
  amount: number;
}

/** Fetches the orders of a day from an orders service (`ORDERS_URL`), or makes up a few. */
export async function fetchOrders(day: string): Promise<Order[]> {
  const base = process.env.ORDERS_URL;
  if (!base) return [1, 2, 3].map((n) => ({ id: `${day}-${n}`, amount: n * 10 }));
  const response = await fetch(`${base}?day=${encodeURIComponent(day)}`);
  if (!response.ok) throw new Error(`orders service answered ${response.status}`);
  return (await response.json()) as Order[];
}

export async function totalOf(orders: Order[]): Promise<number> {
  return orders.reduce((sum, order) => sum + order.amount, 0);
}
