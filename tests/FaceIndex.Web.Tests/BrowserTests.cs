using FaceIndex.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace FaceIndex.Web.Tests;

/// <summary>
/// The page in a real browser: Playwright for .NET driving Debian's chromium (set-up installs it; Playwright's own
/// browser download is not used). Upload a photo, see the right identity first, open the permalink, browse a dataset.
/// </summary>
public sealed class BrowserTests : IClassFixture<SampleLibrary>
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly SampleLibrary _sample;

    public BrowserTests(SampleLibrary sample) => _sample = sample;

    [SkippableFact]
    public async Task Upload_a_photo_see_the_right_identity_first_open_the_permalink_and_browse_a_dataset()
    {
        Skip.IfNot(File.Exists(Chromium), $"needs Debian's chromium at {Chromium} (scripts/setup.sh installs it: apt-get install chromium)");
        await using var app = FaceIndexServer.Build(_sample.Options(), ["http://127.0.0.1:0"]);
        await app.StartAsync();
        var baseUrl = app.Urls.First();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };

        await page.GotoAsync(baseUrl + "/");
        Assert.Contains("Search the library by face", await page.ContentAsync(), StringComparison.Ordinal);

        // Choosing a file submits the form (app.js); the result page comes back with the photo, its boxes and the hits.
        await page.SetInputFilesAsync("input[type=file]", SampleLibrary.Obama2);
        await page.WaitForSelectorAsync("figure.hit", new PageWaitForSelectorOptions { Timeout = 60_000 });
        Assert.Equal("obama", (await page.InnerTextAsync("figure.hit .identity")).Trim());
        Assert.Equal(68, await page.Locator("figure.photo svg circle").CountAsync());
        Assert.True(await page.Locator("figure.photo img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));
        var shot = Path.Combine(TestPaths.RepoRoot, "artifacts", "serve-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = false });

        // The permalink shows the same result later.
        await page.ClickAsync("#permalink");
        await page.WaitForURLAsync("**/r/*");
        Assert.Equal("obama", (await page.InnerTextAsync("figure.hit .identity")).Trim());
        Assert.Contains("the photo itself is not kept", await page.ContentAsync(), StringComparison.Ordinal);
        var crops = page.Locator("figure.hit img");
        Assert.True(await crops.CountAsync() > 0);
        Assert.True(await crops.First.EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the hit crop did not load");

        // A hit opens its image; "search from this face" searches from it.
        await page.ClickAsync("figure.hit a");
        await page.WaitForURLAsync("**/faces/*");
        Assert.Contains("obama", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
        await page.ClickAsync("a.similar");
        await page.WaitForSelectorAsync("figure.hit");

        // Browse: datasets, a dataset's identities, an identity's faces.
        await page.GotoAsync(baseUrl + "/datasets");
        Assert.Contains("MIT", await page.InnerTextAsync("table"), StringComparison.Ordinal);
        await page.ClickAsync("text=sample");
        await page.ClickAsync("a.identity >> text=rose_leslie");
        await page.WaitForSelectorAsync(".faces figure img");
        Assert.True(await page.Locator(".faces figure").CountAsync() >= 1);
        Assert.Empty(errors);
        await app.StopAsync();
    }
}
