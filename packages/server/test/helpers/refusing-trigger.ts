import { sql } from 'drizzle-orm';
import type { TestServer } from './test-server';

/**
 * Makes the database itself refuse every insert or update of a note titled `title`, as a real
 * failure would (a full disk, a broken file): the error is raised inside Postgres with `errcode`
 * and the note's content as its DETAIL, which is where Postgres puts a failing row. Returns the
 * function that removes it.
 */
export async function refuseNotesTitled(
  server: TestServer,
  title: string,
  errcode: string,
  message: string,
): Promise<() => Promise<void>> {
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  await server.store.db.execute(
    sql.raw(`
      create function tidings_test_refuse() returns trigger language plpgsql as $$
      begin
        if new.title = ${literal(title)} then
          raise exception using errcode = ${literal(errcode)}, message = ${literal(message)},
            detail = new.content;
        end if;
        return new;
      end $$`),
  );
  await server.store.db.execute(sql`
    create trigger tidings_test_refuse before insert or update on notes
    for each row execute function tidings_test_refuse()`);
  return async () => {
    await server.store.db.execute(sql`drop trigger tidings_test_refuse on notes`);
    await server.store.db.execute(sql`drop function tidings_test_refuse`);
  };
}
