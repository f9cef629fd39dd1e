// The moderation pack's progress page: asks the server how far the build has gone every two
// seconds and updates the bar and its text. The live region speaks only when the stage changes,
// at each quarter, and at the end (then the page reloads to show the download or the error).
// Without JavaScript the page has a Refresh button.
(function () {
  const box = document.getElementById("pack-progress");
  if (!box) return;
  const bar = document.getElementById("pack-bar");
  const stage = document.getElementById("pack-stage");
  const scripts = document.getElementById("pack-scripts");
  const timeLeft = document.getElementById("pack-time-left");
  const announce = document.getElementById("pack-announce");
  let lastStage = stage.textContent;
  let lastQuarter = Math.floor(Number(bar.value) / 25);

  function say(text) {
    announce.textContent = text;
  }

  async function poll() {
    let status;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      status = await response.json();
    } catch (error) {
      setTimeout(poll, 5000); // the server is busy or gone for a moment: try again later
      return;
    }
    if (status.status === "ready" || status.status === "failed") {
      say(status.status === "ready" ? "The pack is ready." : "The pack could not be built.");
      window.location.reload();
      return;
    }
    bar.value = status.percent;
    bar.textContent = `${status.percent}%`;
    stage.textContent = status.stage;
    if (status.scripts) scripts.textContent = status.scripts;
    if (status.time_left) timeLeft.textContent = status.time_left;
    const quarter = Math.floor(status.percent / 25);
    if (status.stage !== lastStage) {
      say(`${status.stage}. ${status.scripts}`);
    } else if (quarter > lastQuarter) {
      say(`${status.scripts}. ${status.time_left}.`);
    }
    lastStage = status.stage;
    lastQuarter = quarter;
    setTimeout(poll, 2000);
  }

  setTimeout(poll, 2000);
})();
