namespace FaceIndex.Web;

/// <summary>The page's only script and stylesheet, served as files (the CSP allows no inline script or style).</summary>
internal static class StaticFiles
{
    /// <summary>Drag and drop onto the upload form, and submitting it once a photo is chosen; the form works without it.</summary>
    public const string AppJs = """
        "use strict";
        document.addEventListener("DOMContentLoaded", () => {
          const form = document.querySelector("form.upload");
          if (!form) return;
          const input = form.querySelector("input[type=file]");
          const status = form.querySelector(".status");
          const send = () => { if (status) status.textContent = "searching..."; form.submit(); };
          input.addEventListener("change", () => { if (input.files.length) send(); });
          ["dragenter", "dragover"].forEach(e => form.addEventListener(e, ev => { ev.preventDefault(); form.classList.add("drag"); }));
          ["dragleave", "drop"].forEach(e => form.addEventListener(e, ev => { ev.preventDefault(); form.classList.remove("drag"); }));
          form.addEventListener("drop", ev => {
            if (!ev.dataTransfer || !ev.dataTransfer.files.length) return;
            input.files = ev.dataTransfer.files;
            send();
          });
        });
        """;
}
