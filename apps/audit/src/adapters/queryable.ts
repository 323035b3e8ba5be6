/** DataSource, EntityManager or QueryRunner: anything with TypeORM's raw query(). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
