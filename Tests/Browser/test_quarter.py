"""The whole quarter in a real browser, by mouse and keyboard, against a real shinchoku-server --demo.

The demo opens 2021Q2 with 2021Q1 as approved history. The clerk of the ports department (login `ports`) enters
石炭共同輸送実施回数 (1-1.1) for 2021Q2; the planning division (`planning`) returns it, then approves it.
"""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PERIOD = "2021Q2"
FORM = f"/periods/{PERIOD}/figures/1-1.1"


def wait(driver, seconds=20):
    return WebDriverWait(driver, seconds)


def field_by_label(driver, label_text, scope=None):
    """The form control a <label> with exactly this text belongs to."""
    root = scope or driver
    label = root.find_element(By.XPATH, f".//label[normalize-space(.)='{label_text}']")
    return driver.find_element(By.ID, label.get_attribute("for"))


def button(driver, text, scope=None):
    root = scope or driver
    return root.find_element(By.XPATH, f".//button[starts-with(normalize-space(.), '{text}')]")


def heading(driver):
    return wait(driver).until(EC.presence_of_element_located((By.TAG_NAME, "h1"))).text


def log_in(driver, server, login):
    driver.get(server.url + "/")
    wait(driver).until(EC.title_contains("ログイン"))
    field_by_label(driver, "ログインID").send_keys(login)
    password = field_by_label(driver, "パスワード")
    password.send_keys(server.passwords[login])
    password.send_keys(Keys.ENTER)  # by keyboard
    wait(driver).until(EC.presence_of_element_located((By.XPATH, "//button[normalize-space(.)='ログアウト']")))


def log_out(driver):
    button(driver, "ログアウト").click()
    wait(driver).until(EC.title_contains("ログイン"))


def notice(driver):
    return wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".notice"))).text


def test_login_page_is_the_front_door(driver, server, screenshots):
    driver.get(server.url + "/")
    assert driver.current_url.endswith("/login")
    assert heading(driver) == "ログイン"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ja"
    driver.save_screenshot(str(screenshots / "login.png"))


def test_whole_quarter(driver, server, screenshots):
    # 1. The clerk logs in and finds the indicator on the home screen, with nothing entered yet.
    log_in(driver, server, "ports")
    assert heading(driver) == "今期の入力状況"
    row = driver.find_element(By.XPATH, "//tr[.//strong[contains(., '1-1.1 石炭共同輸送実施回数')]]")
    assert "未入力" in row.text
    driver.save_screenshot(str(screenshots / "home.png"))
    row.find_element(By.PARTIAL_LINK_TEXT, "入力する").click()
    wait(driver).until(EC.url_contains(FORM))

    # An invalid value: 石炭共同輸送実施回数 counts, so 3.5 is refused.
    value = field_by_label(driver, "実績値（回）")
    value.clear()
    value.send_keys("3.5")
    button(driver, "提出する").click()

    # 2. The error is by the field, tied to it, and what was typed is kept.
    error = wait(driver).until(EC.visibility_of_element_located((By.ID, "value-error")))
    assert error.text
    value = field_by_label(driver, "実績値（回）")
    assert value.get_attribute("aria-invalid") == "true"
    assert "value-error" in value.get_attribute("aria-describedby")
    assert value.get_attribute("value") == "3.5"
    assert driver.find_element(By.CSS_SELECTOR, ".error-summary").is_displayed()
    driver.save_screenshot(str(screenshots / "figure-error.png"))

    # The clerk corrects it and submits.
    value.clear()
    value.send_keys("3")
    field_by_label(driver, "備考").send_keys("港湾の運航記録より")
    button(driver, "提出する").click()
    assert "提出しました" in notice(driver)
    assert "提出済" in driver.find_element(By.CSS_SELECTOR, ".state").text
    log_out(driver)

    # 3. The approver returns it with a reason.
    log_in(driver, server, "planning")
    assert heading(driver) == "審査待ち一覧"
    item = driver.find_element(By.XPATH, "//article[.//h2[contains(., '石炭共同輸送実施回数')]]")
    assert "3 回" in item.text
    driver.save_screenshot(str(screenshots / "review.png"))
    field_by_label(driver, "差戻しの理由（必須）", scope=item).send_keys("運航記録と照合してください。")
    button(driver, "差し戻す", scope=item).click()
    assert "差し戻しました" in notice(driver)
    log_out(driver)

    # 4. The clerk sees the reason, corrects and resubmits.
    log_in(driver, server, "ports")
    assert "差し戻された項目" in driver.page_source
    row = driver.find_element(By.XPATH, "//tr[.//strong[contains(., '1-1.1 石炭共同輸送実施回数')]]")
    assert "運航記録と照合してください。" in row.text
    assert "差戻し" in row.text
    driver.save_screenshot(str(screenshots / "home-returned.png"))
    row.find_element(By.PARTIAL_LINK_TEXT, "入力する").click()
    wait(driver).until(EC.url_contains(FORM))
    assert "運航記録と照合してください。" in driver.find_element(By.CSS_SELECTOR, ".callout--returned").text
    value = field_by_label(driver, "実績値（回）")
    value.clear()
    value.send_keys("4")
    submit = button(driver, "提出する")
    submit.send_keys(Keys.ENTER)  # by keyboard: focus the button and press Enter
    assert "提出しました" in notice(driver)
    log_out(driver)

    # 5. The approver approves it.
    log_in(driver, server, "planning")
    item = driver.find_element(By.XPATH, "//article[.//h2[contains(., '石炭共同輸送実施回数')]]")
    assert "4 回" in item.text
    field_by_label(driver, "承認のコメント（任意）", scope=item).send_keys("確認しました")
    button(driver, "承認する", scope=item).click()
    assert "承認しました" in notice(driver)

    # The period overview shows the approved item.
    driver.get(server.url + f"/periods/{PERIOD}")
    assert heading(driver) == "期間の状況"
    driver.save_screenshot(str(screenshots / "overview.png"))

    # 6. The report screen shows the value.
    driver.get(server.url + f"/reports/{PERIOD}")
    summary_row = wait(driver).until(EC.presence_of_element_located(
        (By.XPATH, "//table[contains(@class, 'summary-table')]//tr[.//a[contains(., '石炭共同輸送実施回数')]]")))
    cells = summary_row.find_elements(By.TAG_NAME, "td")
    assert "4" in cells[3].text, summary_row.text
    driver.save_screenshot(str(screenshots / "report.png"))

    # The history tells who did what, with the reason and the comment.
    driver.get(server.url + FORM + "/history")
    history = driver.find_element(By.TAG_NAME, "table").text
    assert "運航記録と照合してください。" in history and "確認しました" in history
    log_out(driver)


def test_another_department_cannot_open_the_form(driver, server):
    log_in(driver, server, "water")
    driver.get(server.url + FORM)
    assert heading(driver) == "この画面は表示できません"
    assert not driver.find_elements(By.NAME, "value")
    driver.find_element(By.LINK_TEXT, "ホームに戻る").click()
    assert heading(driver) == "今期の入力状況"
    log_out(driver)
