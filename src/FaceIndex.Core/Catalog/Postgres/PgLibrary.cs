using System.Globalization;
using Npgsql;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// A library kept in PostgreSQL, as named by <c>--library</c>: a <c>postgresql://user@host:port/db</c> URL or a keyword
/// connection string. The password never comes from here: Npgsql takes it from PGPASSWORD or ~/.pgpass (PGPASSFILE),
/// so it stays out of shell history, process lists, logs, errors and run records.
/// </summary>
public sealed record PgLibrary
{
    private PgLibrary(string connectionString, string host, int port, string database, string? user)
    {
        ConnectionString = connectionString;
        Host = host;
        Port = port;
        Database = database;
        User = user;
    }

    /// <summary>The Npgsql connection string (no password in it).</summary>
    public string ConnectionString { get; }

    /// <summary>The server host (or unix socket folder).</summary>
    public string Host { get; }

    /// <summary>The server port.</summary>
    public int Port { get; }

    /// <summary>The database name.</summary>
    public string Database { get; }

    /// <summary>The user name, or null for the default.</summary>
    public string? User { get; }

    /// <summary>How the library is named in messages: a URL without any password.</summary>
    public string Display => string.Create(CultureInfo.InvariantCulture, $"postgresql://{(User is null ? string.Empty : User + "@")}{Host}:{Port}/{Database}");

    /// <summary>True when <paramref name="library"/> names a PostgreSQL library rather than a folder.</summary>
    public static bool IsPostgres(string? library) =>
        library is not null
        && (library.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            || library.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || (library.Contains('=', StringComparison.Ordinal) && library.Contains("host", StringComparison.OrdinalIgnoreCase) && !Directory.Exists(library)));

    /// <summary>Parses a URL or keyword connection string; refuses one that carries a password.</summary>
    public static PgLibrary Parse(string library)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(library);
        NpgsqlConnectionStringBuilder builder;
        if (library.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || library.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            builder = FromUrl(library);
        }
        else
        {
            try
            {
                builder = new NpgsqlConnectionStringBuilder(library);
            }
            catch (ArgumentException ex)
            {
                throw new FaceIndexException($"--library is neither a folder nor a valid PostgreSQL connection string ({ex.Message}): use postgresql://user@host:port/db", ex);
            }

            if (!string.IsNullOrEmpty(builder.Password))
            {
                throw PasswordGiven();
            }
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new FaceIndexException("the PostgreSQL library names no host: use postgresql://user@host:port/db");
        }

        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new FaceIndexException($"the PostgreSQL library at {builder.Host} names no database: use postgresql://user@{builder.Host}:{builder.Port}/DB");
        }

        builder.ApplicationName ??= "faceindex";

        // A broken connection after a server restart is noticed on use, then the pool is cleared and we retry.
        builder.Timeout = builder.Timeout == 15 ? 10 : builder.Timeout;
        return new PgLibrary(builder.ConnectionString, builder.Host!, builder.Port, builder.Database!, string.IsNullOrEmpty(builder.Username) ? null : builder.Username);
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string url)
    {
        Uri uri;
        try
        {
            uri = new Uri(url);
        }
        catch (UriFormatException ex)
        {
            throw new FaceIndexException($"--library {url} is not a valid PostgreSQL URL ({ex.Message}): use postgresql://user@host:port/db", ex);
        }

        var builder = new NpgsqlConnectionStringBuilder();
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                throw PasswordGiven();
            }

            builder.Username = Uri.UnescapeDataString(parts[0]);
        }

        builder.Host = Uri.UnescapeDataString(uri.Host);
        if (uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        builder.Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            switch (key.ToLowerInvariant())
            {
                case "host":
                    builder.Host = value;
                    break;
                case "password":
                    throw PasswordGiven();
                case "sslmode":
                    builder.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true);
                    break;
                default:
                    builder[key] = value;
                    break;
            }
        }

        return builder;
    }

    private static FaceIndexException PasswordGiven() => new(
        "the PostgreSQL library carries a password: leave it out of --library (it would show in process lists and logs) and set PGPASSWORD or a ~/.pgpass line (host:port:db:user:password) instead");
}
