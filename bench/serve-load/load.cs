#:property TreatWarningsAsErrors=false
#:property ManagePackageVersionsCentrally=false
#:property PublishAot=false
// Load on a running 'faceindex serve', loopback only, bounded in clients and time (it stops by itself).
//   dotnet run bench/serve-load/load.cs -- query     URL CLIENTS SECONDS PHOTO_OR_DIR [SERVER_PID]
//   dotnet run bench/serve-load/load.cs -- permalink URL CLIENTS SECONDS PHOTO        [SERVER_PID]
// query: every client posts photos (cycling through the folder) to /api/query; permalink: one result is made, then every
// client reads its page /r/{id}. Prints requests by status, p50/p90/p99 latency of the answered ones, throughput, and the
// server's peak RSS when its pid is given. Any 5xx other than the documented 503 (busy) is counted apart.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: load.cs query|permalink URL CLIENTS SECONDS PHOTO_OR_DIR [SERVER_PID]");
    return 2;
}

var mode = args[0];
var url = new Uri(args[1]);
if (!url.IsLoopback)
{
    Console.Error.WriteLine($"load.cs: {url} is not a loopback address; this tool only loads a server on this machine");
    return 2;
}

var clients = Math.Clamp(int.Parse(args[2], CultureInfo.InvariantCulture), 1, 1000);
var seconds = Math.Clamp(double.Parse(args[3], CultureInfo.InvariantCulture), 1, 600);
var photos = Directory.Exists(args[4])
    ? Directory.EnumerateFiles(args[4], "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray()
    : [File.ReadAllBytes(args[4])];
int? pid = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : null;

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
using var http = new HttpClient(handler) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(120) };

async Task<HttpResponseMessage> Post(byte[] photo)
{
    using var form = new MultipartFormDataContent();
    var part = new ByteArrayContent(photo);
    part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
    form.Add(part, "photo", "probe.jpg");
    form.Add(new StringContent("10"), "k");
    return await http.PostAsync(new Uri("/api/query", UriKind.Relative), form);
}

string? permalink = null;
if (mode == "permalink")
{
    using var made = await Post(photos[0]);
    using var doc = JsonDocument.Parse(await made.Content.ReadAsStringAsync());
    permalink = doc.RootElement.GetProperty("permalink").GetString();
}

var latencies = new ConcurrentBag<double>();
var statuses = new ConcurrentDictionary<int, int>();
var failures = 0;
var next = -1;
long peakRss = 0;
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
var sampler = Task.Run(async () =>
{
    while (pid is not null && !stop.IsCancellationRequested)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        if (line is not null)
        {
            peakRss = Math.Max(peakRss, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture));
        }

        await Task.Delay(200);
    }
});
var clock = Stopwatch.StartNew();
var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
{
    while (!stop.IsCancellationRequested)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = permalink is null
                ? await Post(photos[(Interlocked.Increment(ref next) & int.MaxValue) % photos.Length])
                : await http.GetAsync(new Uri(permalink, UriKind.Relative));
            await response.Content.LoadIntoBufferAsync();
            var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            if (response.IsSuccessStatusCode)
            {
                latencies.Add(ms);
            }
            else if ((int)response.StatusCode == 503)
            {
                // The documented answer when the analyses and the queue are full: back off as Retry-After says (capped for the test).
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref failures);
        }
    }
})).ToArray();
await Task.WhenAll(workers);
var elapsed = clock.Elapsed.TotalSeconds;
await sampler;

var sorted = latencies.Order().ToArray();
double P(double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
var other5xx = statuses.Where(kv => kv.Key >= 500 && kv.Key != 503).Sum(kv => kv.Value);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{mode}: {clients} clients, {elapsed:F1} s, {photos.Length} photo(s); statuses {string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}"))}; connection failures {failures}; other 5xx {other5xx}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"answered {sorted.Length} ({sorted.Length / elapsed:F1}/s); latency ms p50 {P(0.5):F1}, p90 {P(0.9):F1}, p99 {P(0.99):F1}, max {(sorted.Length == 0 ? double.NaN : sorted[^1]):F1}{(pid is null ? "" : $"; server peak RSS {peakRss / 1024.0:F0} MiB")}"));
return other5xx == 0 && failures == 0 ? 0 : 1;
