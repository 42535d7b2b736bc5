using System.Net.Sockets;
using Npgsql;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// Which PostgreSQL errors are worth a retry (the server restarting, a dropped connection, a conflict) and what to
/// tell the user about the others (a wrong password, an unreachable host, a missing database), naming the host and
/// never the password.
/// </summary>
internal static class PgRetry
{
    public static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState is "53300" or "40001" or "40P01",
        NpgsqlException npg => npg.IsTransient || npg.InnerException is IOException or SocketException or TimeoutException,
        IOException or SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>A message a user can act on for an error that is not worth a retry (or a first connection that failed).</summary>
    public static CatalogException Explain(Exception ex, PgLibrary library, string doing)
    {
        var where = $"PostgreSQL at {library.Host}:{library.Port} (database {library.Database}{(library.User is null ? string.Empty : ", user " + library.User)})";
        return ex switch
        {
            PostgresException { SqlState: "28P01" or "28000" } => new CatalogException(
                $"{where} refused the login while trying to {doing}: set the password in PGPASSWORD or a ~/.pgpass line ({library.Host}:{library.Port}:{library.Database}:{library.User ?? "USER"}:PASSWORD), and check pg_hba.conf allows this machine", ex),
            PostgresException { SqlState: "3D000" } => new CatalogException(
                $"{where}: the database does not exist; create it (createdb -h {library.Host} -p {library.Port} {library.Database}) or check the name", ex),
            PostgresException pg => new CatalogException($"{where} failed to {doing}: {pg.MessageText} ({pg.SqlState})", ex),
            NpgsqlException npg when npg.Message.Contains("password", StringComparison.OrdinalIgnoreCase) => new CatalogException(
                $"{where} asks for a password to {doing} and none was found: set PGPASSWORD or a ~/.pgpass line ({library.Host}:{library.Port}:{library.Database}:{library.User ?? "USER"}:PASSWORD)", ex),
            _ when IsTransient(ex) => new CatalogException(
                $"cannot reach {where} to {doing} ({(ex.InnerException ?? ex).Message}): check the host and port, that the server runs and accepts connections from this machine", ex),
            _ => new CatalogException($"{where} failed to {doing}: {ex.Message}", ex),
        };
    }
}
