using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FaceIndex.Tests;

/// <summary>
/// A throw-away PostgreSQL cluster for the tests: initdb in a temporary folder, run as an unprivileged user (the
/// `postgres` system user when the tests run as root, since the server refuses root), listening on a loopback port with
/// password (scram) logins and on a unix socket in the folder; stopped and deleted on dispose. Uses Debian's
/// `postgresql` package (/usr/lib/postgresql/VERSION/bin); when it is absent, <see cref="Require"/> skips the test
/// saying so.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    public const string User = "faceindex";
    private readonly string? _bin;
    private readonly string _dir;
    private readonly bool _asRoot;

    public PostgresCluster()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").OrderBy(d => d.Length).ThenBy(d => d, StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "bin")).LastOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;
        _dir = Path.Combine(Path.GetTempPath(), "faceindex-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Password = "pw-" + Guid.NewGuid().ToString("N");
        if (_bin is null)
        {
            Unavailable = "needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb, Debian's 'postgresql' package; scripts/setup.sh installs it)";
            return;
        }

        _asRoot = Environment.UserName == "root";
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "pw"), Password);
        if (_asRoot)
        {
            Exec("chown", ["-R", "postgres:postgres", _dir], asServer: false);
        }

        Port = FreePort();
        Exec(Path.Combine(_bin, "initdb"), ["-D", DataDir, "-U", User, "--pwfile", Path.Combine(_dir, "pw"), "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]);
        Start();

        // Npgsql and every child faceindex process read the password from here, as a user's would.
        Environment.SetEnvironmentVariable("PGPASSWORD", Password);
    }

    /// <summary>Why the cluster could not be started, or null.</summary>
    public string? Unavailable { get; }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The user's password (also in PGPASSWORD of this process and its children).</summary>
    public string Password { get; }

    private string DataDir => Path.Combine(_dir, "data");

    /// <summary>Skips the calling test when the cluster is unavailable.</summary>
    public void Require() => Skip.If(Unavailable is not null, Unavailable);

    /// <summary>Creates a fresh database and returns its library URL (no password in it).</summary>
    public string NewLibrary(string? name = null)
    {
        name ??= "t" + Guid.NewGuid().ToString("N")[..12];
        using (var c = new NpgsqlConnection($"Host=127.0.0.1;Port={Port};Username={User};Password={Password};Database=postgres;Pooling=false"))
        {
            c.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            cmd.ExecuteNonQuery();
        }

        return $"postgresql://{User}@127.0.0.1:{Port}/{name}";
    }

    /// <summary>Stops the server at once (connections are cut, as in a crash of the database host's service).</summary>
    public void Stop() => Exec(Path.Combine(_bin!, "pg_ctl"), ["-D", DataDir, "-m", "immediate", "-w", "stop"]);

    /// <summary>Starts the server and waits until it accepts connections.</summary>
    public void Start() => Exec(Path.Combine(_bin!, "pg_ctl"), ["-D", DataDir, "-w", "-l", Path.Combine(_dir, "server.log"), "-o", $"-k {_dir} -p {Port} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", "start"]);

    public void Dispose()
    {
        if (_bin is not null && Directory.Exists(DataDir))
        {
            try
            {
                Stop();
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Exec(string program, string[] args, bool asServer = true)
    {
        var info = new ProcessStartInfo(asServer && _asRoot ? "runuser" : program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asServer && _asRoot)
        {
            foreach (var a in new[] { "-u", "postgres", "--", program })
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + program);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} ran over a minute");
        }

        if (p.ExitCode != 0)
        {
            var log = Path.Combine(_dir, "server.log");
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {p.ExitCode}: {stdout.Result}{stderr.Result}{(File.Exists(log) ? File.ReadAllText(log) : string.Empty)}");
        }
    }
}
