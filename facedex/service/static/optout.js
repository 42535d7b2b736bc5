// Opt-out page: one photo in, how many faces were erased out.
"use strict";
document.getElementById("optout").addEventListener("submit", async (e) => {
  e.preventDefault();
  const out = document.getElementById("status");
  const file = document.getElementById("photo").files[0];
  if (!file) return;
  out.className = ""; out.textContent = "Finding and erasing your faces…";
  const fd = new FormData(); fd.append("image", file);
  try {
    const res = await fetch("/optout", { method: "POST", body: fd });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || "request failed (" + res.status + ")");
    out.textContent = "Done: " + body.removed + " face(s) removed. Your face is blocklisted and will not be indexed again.";
  } catch (err) { out.className = "error"; out.textContent = err.message; }
});
